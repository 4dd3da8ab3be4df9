#!/bin/sh
# A reduced, hand-written stand-in for APIM 4.2.0's bin/api-manager.sh, for preflight's example
# home: the same JVM_MEM_OPTS default and java command shape, so the jvm.* rules have real lines
# to point at. It is not meant to start a server.

CARBON_HOME=$(cd "$(dirname "$0")/.." && pwd)
JAVACMD="$JAVA_HOME/bin/java"

# The operator raised the heap for production but kept the shipped hostname verification flags.
if [ -z "$JVM_MEM_OPTS" ]; then
    JVM_MEM_OPTS="-Xms2048m -Xmx2048m"
fi

"$JAVACMD" \
    $JVM_MEM_OPTS \
    -XX:+HeapDumpOnOutOfMemoryError \
    -XX:HeapDumpPath="$CARBON_HOME/repository/logs/heap-dump.hprof" \
    $JAVA_OPTS \
    -Dcom.sun.management.jmxremote \
    -Djava.io.tmpdir="$CARBON_HOME/tmp" \
    -Dcarbon.home="$CARBON_HOME" \
    -Djava.security.egd=file:/dev/./urandom \
    -Dfile.encoding=UTF8 \
    -Djava.net.preferIPv4Stack=true \
    -Dorg.opensaml.httpclient.https.disableHostnameVerification=true \
    -Dhttpclient.hostnameVerifier=AllowAll \
    -Djdk.tls.ephemeralDHKeySize=2048 \
    -DworkerNode=false \
    org.wso2.carbon.bootstrap.Bootstrap "$@"
