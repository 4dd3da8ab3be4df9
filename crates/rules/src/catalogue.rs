//! The fact catalogue: every fact name a rule may read, its type, unit, meaning and probe.

use serde::Serialize;

/// The probe family that produces a fact. Each family runs once per run (preflight's facts
/// module decides on which thread).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Family {
    Host,
    Product,
    Config,
    Jdk,
    Jvm,
    Ports,
    Keystore,
    Files,
    Jars,
    Network,
}

impl Family {
    pub fn name(self) -> &'static str {
        match self {
            Family::Host => "host",
            Family::Product => "product",
            Family::Config => "config",
            Family::Jdk => "jdk",
            Family::Jvm => "jvm",
            Family::Ports => "ports",
            Family::Keystore => "keystore",
            Family::Files => "files",
            Family::Jars => "jars",
            Family::Network => "network",
        }
    }
}

/// The type of a fact's value, which decides how condition literals are read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FactType {
    Bool,
    Int,
    Bytes,
    Duration,
    Version,
    Str,
    List,
    /// A secret: comparable only with well-known defaults, never shown.
    Secret,
    /// A value read from a configuration file, typed by the file (string, integer, bool, list).
    Any,
}

impl FactType {
    pub fn name(self) -> &'static str {
        match self {
            FactType::Bool => "bool",
            FactType::Int => "integer",
            FactType::Bytes => "byte size",
            FactType::Duration => "duration",
            FactType::Version => "version",
            FactType::Str => "string",
            FactType::List => "list",
            FactType::Secret => "secret",
            FactType::Any => "config value",
        }
    }

    /// Whether a fact of this type may hold `v`. Nothing (`null`, a key that is absent) fits
    /// every type; a config value may be any scalar or list; a secret key may hold a list of
    /// secrets.
    pub fn admits(self, v: &crate::value::Value) -> bool {
        use crate::value::Value as V;
        if let (FactType::Secret, V::List(items)) = (self, v) {
            return items.iter().all(|i| self.admits(i));
        }
        matches!(
            (self, v),
            (_, V::Null)
                | (FactType::Any, _)
                | (FactType::Bool, V::Bool(_))
                | (FactType::Int, V::Int(_))
                | (FactType::Bytes, V::Bytes(_))
                | (FactType::Duration, V::Duration(_))
                | (FactType::Version, V::Version(_))
                | (FactType::Str, V::Str(_))
                | (FactType::List, V::List(_))
                | (FactType::Secret, V::Secret(_))
        )
    }
}

/// One entry of the catalogue. A name ending in `.*` stands for a family of facts addressed by
/// path, e.g. `deployment.server.hostname` for the key `hostname` of `[server]`.
#[derive(Debug, Clone, Serialize)]
pub struct FactSpec {
    pub name: &'static str,
    #[serde(rename = "type")]
    pub ty: FactType,
    pub unit: Option<&'static str>,
    pub description: &'static str,
    pub secret: bool,
    #[serde(rename = "probe")]
    pub family: Family,
}

const fn spec(
    name: &'static str,
    ty: FactType,
    unit: Option<&'static str>,
    family: Family,
    description: &'static str,
) -> FactSpec {
    FactSpec {
        name,
        ty,
        unit,
        description,
        secret: matches!(ty, FactType::Secret),
        family,
    }
}

use FactType as T;
use Family as F;

/// The catalogue. Adding a fact means adding a line here and teaching its family's probe.
pub const CATALOGUE: &[FactSpec] = &[
    spec(
        "host.cpu.cores",
        T::Int,
        None,
        F::Host,
        "CPUs a JVM started here counts: the logical CPUs this process may run on (affinity), capped by the cgroup's CPU quota (quota / period, rounded up) and cpuset, as the JVM's container support counts them",
    ),
    spec(
        "host.cpu.host-cores",
        T::Int,
        None,
        F::Host,
        "Logical CPUs this process may run on (CPU affinity), without the cgroup's CPU quota",
    ),
    spec(
        "host.cpu.cgroup-limit",
        T::Int,
        None,
        F::Host,
        "CPUs the cgroup allows (the lower of the CPU quota, rounded up, and the cpuset; cgroup v2 cpu.max and cpuset.cpus.effective, v1 cpu.cfs_quota_us / cpu.cfs_period_us and cpuset.cpus); not set when the cgroup allows all the CPUs this process may run on",
    ),
    spec(
        "host.memory.total",
        T::Bytes,
        Some("bytes"),
        F::Host,
        "Memory a JVM started here sizes itself by: physical memory (MemTotal), or the cgroup's memory limit where that is lower (a container's limit)",
    ),
    spec(
        "host.memory.physical",
        T::Bytes,
        Some("bytes"),
        F::Host,
        "Physical memory of the machine (MemTotal), whatever the cgroup allows",
    ),
    spec(
        "host.memory.cgroup-limit",
        T::Bytes,
        Some("bytes"),
        F::Host,
        "The lowest memory limit of this process's cgroup and its parents (cgroup v2 memory.max, v1 memory.limit_in_bytes), found through /proc/self/cgroup and /proc/self/mountinfo as the JVM finds it; not set when there is none or it is not below physical memory",
    ),
    spec(
        "host.disk.free",
        T::Bytes,
        Some("bytes"),
        F::Host,
        "Space available to unprivileged users on the filesystem holding PRODUCT_HOME (or / without one)",
    ),
    spec(
        "host.hostname",
        T::Str,
        None,
        F::Host,
        "This machine's hostname",
    ),
    spec(
        "host.os.name",
        T::Str,
        None,
        F::Host,
        "Operating system family (linux, macos, windows)",
    ),
    spec(
        "host.swap.total",
        T::Bytes,
        Some("bytes"),
        F::Host,
        "Swap space configured (SwapTotal of /proc/meminfo); 0 when there is none",
    ),
    spec(
        "host.disk.fs-type",
        T::Str,
        None,
        F::Host,
        "Filesystem type of the mount holding PRODUCT_HOME (or /), from /proc/self/mountinfo: ext4, xfs, nfs4, overlay, ...",
    ),
    spec(
        "host.solr.fs-type",
        T::Str,
        None,
        F::Host,
        "Filesystem type of the mount holding PRODUCT_HOME/solr/data (the registry index): ext4, xfs, nfs4, cifs, ...",
    ),
    spec(
        "host.os.id",
        T::Str,
        None,
        F::Host,
        "ID of /etc/os-release: ubuntu, rhel, rocky, almalinux, debian, ...",
    ),
    spec(
        "host.os.version",
        T::Version,
        None,
        F::Host,
        "VERSION_ID of /etc/os-release, e.g. `22.04`, `9.3`",
    ),
    spec(
        "host.os.pretty",
        T::Str,
        None,
        F::Host,
        "PRETTY_NAME of /etc/os-release, e.g. `Ubuntu 22.04.4 LTS`",
    ),
    spec(
        "host.limits.nofile.soft",
        T::Int,
        None,
        F::Host,
        "Soft open-files limit (RLIMIT_NOFILE) of the shell preflight runs in; unlimited is 9223372036854775807",
    ),
    spec(
        "host.limits.nofile.hard",
        T::Int,
        None,
        F::Host,
        "Hard open-files limit (RLIMIT_NOFILE); unlimited is 9223372036854775807",
    ),
    spec(
        "host.limits.nproc.soft",
        T::Int,
        None,
        F::Host,
        "Soft max-user-processes limit (RLIMIT_NPROC); unlimited is 9223372036854775807",
    ),
    spec(
        "host.limits.pids-cgroup",
        T::Int,
        None,
        F::Host,
        "The lowest pids.max of this process's cgroup and its parents (cgroup v2, or v1's pids controller), found as the memory limit is: the processes and threads a container may run together, a JVM's threads included; not set when there is none (`max`)",
    ),
    spec(
        "host.limits.nproc.hard",
        T::Int,
        None,
        F::Host,
        "Hard max-user-processes limit (RLIMIT_NPROC); unlimited is 9223372036854775807",
    ),
    spec(
        "host.sysctl.*",
        T::Any,
        None,
        F::Host,
        "A kernel parameter from /proc/sys by its sysctl name, e.g. `host.sysctl.net.ipv4.tcp_fin_timeout` (integer) or `host.sysctl.net.ipv4.ip_local_port_range` (string `1024 65535`, whitespace collapsed)",
    ),
    spec(
        "host.user.name",
        T::Str,
        None,
        F::Host,
        "Name of the user preflight runs as (the effective uid)",
    ),
    spec(
        "host.user.uid",
        T::Int,
        None,
        F::Host,
        "Effective uid preflight runs as; 0 is root",
    ),
    spec(
        "host.home.owner.uid",
        T::Int,
        None,
        F::Host,
        "uid owning the PRODUCT_HOME directory",
    ),
    spec(
        "host.hostname.resolves",
        T::Bool,
        None,
        F::Host,
        "This machine's hostname resolves to an address (resolver or /etc/hosts), within the deadline",
    ),
    spec(
        "host.proxy",
        T::Str,
        None,
        F::Host,
        "The HTTP(S) proxy of the environment (https_proxy, HTTPS_PROXY, http_proxy, HTTP_PROXY, first set), user info redacted; not set when none is",
    ),
    spec(
        "host.systemd.unit",
        T::Str,
        None,
        F::Host,
        "Path of the systemd service unit whose ExecStart mentions PRODUCT_HOME (any unit in /etc/systemd/system or /run/systemd/system, or an enabled unit wherever it lives); not set when there is none",
    ),
    spec(
        "host.systemd.limit-nofile",
        T::Int,
        None,
        F::Host,
        "LimitNOFILE of that unit, drop-ins applied (the soft value of `soft:hard`; infinity is 9223372036854775807); not set when absent",
    ),
    spec(
        "host.systemd.limit-nproc",
        T::Int,
        None,
        F::Host,
        "LimitNPROC of that unit, drop-ins applied (the soft value of `soft:hard`); not set when absent",
    ),
    spec(
        "jdk.home",
        T::Str,
        None,
        F::Jdk,
        "The JDK the start script would use: $JAVA_HOME, else the directory above bin/java of `java` on PATH (symlinks resolved); not set when there is none",
    ),
    spec(
        "jdk.java-home-env",
        T::Str,
        None,
        F::Jdk,
        "The JAVA_HOME environment variable; not set when it is unset or empty",
    ),
    spec(
        "jdk.version",
        T::Version,
        None,
        F::Jdk,
        "JDK version from its release file (JAVA_RUNTIME_VERSION / JAVA_VERSION), else from `java -version`, e.g. `17.0.6+10`, `1.8.0_151-b12`",
    ),
    spec(
        "jdk.feature",
        T::Int,
        None,
        F::Jdk,
        "JDK feature release: 8 for 1.8.0_151, 17 for 17.0.6",
    ),
    spec(
        "jdk.vendor",
        T::Str,
        None,
        F::Jdk,
        "JDK vendor, normalised: temurin, oracle, openjdk, corretto, ibm-semeru, ibm, zulu, redhat, microsoft, liberica, sapmachine, graalvm, dragonwell, adoptopenjdk",
    ),
    spec(
        "jdk.is-jdk",
        T::Bool,
        None,
        F::Jdk,
        "The JDK has bin/javac (a full JDK rather than a JRE)",
    ),
    spec(
        "jdk.source",
        T::Str,
        None,
        F::Jdk,
        "Where the version was read: `release file` or `java -version`",
    ),
    spec(
        "jdk.tls.disabled-protocols",
        T::List,
        None,
        F::Jdk,
        "Protocols the JDK's own java.security disables in `jdk.tls.disabledAlgorithms` (conf/security/java.security; jre/lib/security on JDK 8), e.g. [SSLv3, TLSv1, TLSv1.1, DTLSv1.0] from 8u291/11.0.11/17 on; a -Djava.security.properties override is not read",
    ),
    spec(
        "jvm.script",
        T::Str,
        None,
        F::Jvm,
        "The start script the product is launched with, relative to PRODUCT_HOME: bin/api-manager.sh, bin/wso2server.sh (3.2), bin/gateway.sh, bin/traffic-manager.sh, bin/api-cp.sh, bin/key-manager.sh; not set when there is none",
    ),
    spec(
        "jvm.heap.max",
        T::Bytes,
        Some("bytes"),
        F::Jvm,
        "Maximum heap (the last -Xmx / -XX:MaxHeapSize) the JVM starts with: script JVM_MEM_OPTS default, overridden by JVM_MEM_OPTS / JAVA_OPTS of the environment or the systemd unit; not set when the JVM default applies",
    ),
    spec(
        "jvm.heap.min",
        T::Bytes,
        Some("bytes"),
        F::Jvm,
        "Initial heap (the last -Xms / -XX:InitialHeapSize), from the same sources as jvm.heap.max",
    ),
    spec(
        "jvm.flags",
        T::List,
        None,
        F::Jvm,
        "Every -D / -X / -XX option of the java command line in order, JVM_MEM_OPTS and JAVA_OPTS expanded; secret property values redacted",
    ),
    spec(
        "jvm.sysprops.*",
        T::Str,
        None,
        F::Jvm,
        "A system property the JVM starts with, by name, the last -D winning as in the JVM: `jvm.sysprops.httpclient.hostnameVerifier`; `-Dname` alone is the empty string; not set when absent; password-like names are secrets",
    ),
    spec(
        "ports.offset",
        T::Int,
        None,
        F::Ports,
        "`[server] offset` of deployment.toml; 0 when absent",
    ),
    spec(
        "ports.expected",
        T::List,
        None,
        F::Ports,
        "Ports the profile opens: 9443, 9763, 9999, 11111 everywhere; 8280, 8243, 9099, 8099, 9021, 8021 on gateways; 9611, 9711, 5672, 8672 where the traffic manager runs; each as configured in deployment.toml, else the default, plus the offset",
    ),
    spec(
        "ports.busy",
        T::List,
        None,
        F::Ports,
        "Expected ports that cannot be bound on 0.0.0.0 because another process holds them, as `9444 held by pid 123 (python3 -m http.server)`; ports held by this product's own JVM (-Dcarbon.home=PRODUCT_HOME) are left out",
    ),
    spec(
        "ports.privileged",
        T::List,
        None,
        F::Ports,
        "Expected ports below 1024 (they need root or a capability to bind)",
    ),
    spec(
        "product.name",
        T::Str,
        None,
        F::Product,
        "Product name from bin/version.txt, e.g. `WSO2 API Manager`",
    ),
    spec(
        "product.version",
        T::Version,
        None,
        F::Product,
        "Product version from bin/version.txt or updates/product.txt, e.g. `4.2.0`",
    ),
    spec(
        "product.distribution",
        T::Str,
        None,
        F::Product,
        "Distribution from updates/product.txt: all-in-one, acp, universal-gw or tm",
    ),
    spec(
        "product.kernel.version",
        T::Version,
        None,
        F::Product,
        "Carbon kernel version from bin/wso2carbon-version.txt, e.g. `4.8.1` (APIM 4.2.0)",
    ),
    spec(
        "product.profile",
        T::Str,
        None,
        F::Product,
        "Profile this node runs: all-in-one, control-plane, gateway-worker, traffic-manager or key-manager (--profile, else detected)",
    ),
    spec(
        "config.parse-error",
        T::Str,
        None,
        F::Config,
        "Why repository/conf/deployment.toml cannot be used (missing, unreadable, invalid TOML); not set when it parses",
    ),
    spec(
        "config.hostname.resolves",
        T::Bool,
        None,
        F::Config,
        "`[server] hostname` of deployment.toml resolves to an address on this host, within the deadline; not set when the file sets no hostname or a placeholder",
    ),
    spec(
        "config.localhost-urls",
        T::List,
        None,
        F::Config,
        "Key paths of deployment.toml whose URL value points at localhost / 127.0.0.1 / ::1 / 0.0.0.0 (gateway environments, devportal, key manager, throttling, event hub, notification endpoints); JDBC and LDAP URLs are left to the db and userstore rules",
    ),
    spec(
        "config.placeholders.unresolved",
        T::List,
        None,
        F::Config,
        "Placeholders the config mapper cannot resolve, as `$env{X} at key.path is not set in the environment the product starts with`: `$env{}` unset in preflight's environment plus the `Environment=`/`EnvironmentFile=` of the systemd unit that starts PRODUCT_HOME, `$secret{}` without an alias in [secrets], `$ref{}` to a key neither the file nor the version's config defaults (the kernel's default.json) set. `$sys{}` cannot be known before start and is not listed",
    ),
    spec(
        "config.secrets.plain",
        T::List,
        None,
        F::Config,
        "Aliases of [secrets] still written as \"[plain text]\" (cipher tool not run); values are never read into facts",
    ),
    spec(
        "config.secrets.last",
        T::Bool,
        None,
        F::Config,
        "[secrets] is the last table of deployment.toml (located at its header); not set when there is no [secrets]",
    ),
    spec(
        "config.passwords.plaintext",
        T::List,
        None,
        F::Config,
        "Key paths whose password-like value (`*password`, `*_secret`) is plain text rather than `$secret{}`, `$env{}`, `$sys{}`, `$ref{}` or a Carbon `${}` placeholder; [secrets] itself excluded",
    ),
    spec(
        "config.encryption-key",
        T::Str,
        None,
        F::Config,
        "How `[encryption] key` is written: `secret-ref`, `env`, `sys`, `plain-hex` (64 hex characters in clear) or `invalid`; not set when absent. The key itself is never read into facts",
    ),
    spec(
        "config.encryption-key.digest",
        T::Str,
        None,
        F::Config,
        "`[encryption] key` as `hmac-sha256:<hex>` keyed by the fleet salt in $PREFLIGHT_FLEET_SALT (the same secret on every node), for `preflight fleet` to compare keys across nodes without shipping them; resolves plain hex, `$env{}` and `$secret{}` aliases still in `[plain text]` form. Unavailable without the salt or when the key is cipher-tool encrypted; not set when the file has no key",
    ),
    spec(
        "config.hsts",
        T::Bool,
        None,
        F::Config,
        "A [[tomcat.filter]] of class HttpHeaderSecurityFilter with hstsEnabled not false, mapped by a [[tomcat.filter_mapping]] of the same name",
    ),
    spec(
        "config.https.weak-protocols",
        T::List,
        None,
        F::Config,
        "Protocols older than TLS 1.2 the servlet HTTPS connector (9443) enables, read as Tomcat reads `protocols` (`all`, `+X`, `-X`) from every key rendered into it: [transport.https.sslHostConfig.properties] protocols and [transport.https.properties] protocols (kernel key-mappings.json); with neither, the kernel default +TLSv1,+TLSv1.1,+TLSv1.2",
    ),
    spec(
        "config.generated-files-edited",
        T::List,
        None,
        F::Config,
        "Files rendered from repository/resources/conf/templates at start that were modified after the last render (newest file of repository/resources/conf/.metadata); such edits are lost at restart. Not set when the server never started",
    ),
    spec(
        "deployment.*",
        T::Any,
        None,
        F::Config,
        "A key of repository/conf/deployment.toml by path: `deployment.server.hostname`, `deployment.database.apim_db.type`, `deployment.synapse_properties.'a.b'`; array elements by index; secrets (passwords, keys) are redacted",
    ),
    spec(
        "xml.*",
        T::Any,
        None,
        F::Files,
        "A value of a WSO2 XML file: `xml.<file>.<path>`, file one of catalina-server (repository/conf/tomcat/catalina-server.xml), carbon (repository/conf/carbon.xml), qpid-config (repository/conf/advanced/qpid-config.xml), metrics (repository/conf/metrics.xml). The path is `/`-separated element local names from the root, each optionally with `[@attr='value']` predicates or a 1-based `[n]` index, ending in `/@attr` for an attribute or else giving the element's text: `xml.catalina-server./Server/Service/Connector[@port='9443']/SSLHostConfig/@protocols`. The first match in document order; integers and true/false are typed; nothing when absent",
    ),
    spec(
        "properties.*",
        T::Any,
        None,
        F::Files,
        "A key of a WSO2 .properties file: `properties.<file>.<key>`, file one of csrfguard (repository/conf/security/Owasp.CsrfGuard.Carbon.properties), log4j2 (repository/conf/log4j2.properties), e.g. `properties.csrfguard.org.owasp.csrfguard.PRNG.Provider`. Read as java.util.Properties reads it; integers and true/false are typed; nothing when absent",
    ),
    spec(
        "file.*",
        T::Any,
        None,
        F::Files,
        "A file under PRODUCT_HOME by relative path (no `..`): `file.<path>.exists` (bool), `file.<path>.owner-uid` (integer), `file.<path>.mode` (integer permission bits, 0o600 is 384; nothing when the file is absent)",
    ),
    spec(
        "jars.drivers",
        T::List,
        None,
        F::Jars,
        "JDBC driver classes found in the jars of repository/components/lib and dropins, each with its jar: `org.postgresql.Driver (lib/postgresql-42.7.3.jar)`",
    ),
    spec(
        "jars.driver-classes",
        T::List,
        None,
        F::Jars,
        "The distinct JDBC driver class names found there, e.g. `com.mysql.cj.jdbc.Driver`",
    ),
    spec(
        "jars.count",
        T::Int,
        None,
        F::Jars,
        "How many jars in repository/components/lib and dropins were read",
    ),
    spec(
        "jars.unreadable",
        T::List,
        None,
        F::Jars,
        "Jars there that could not be read (not a zip, too large, unreadable), each with the reason",
    ),
    spec(
        "db.*",
        T::Any,
        None,
        F::Network,
        "Per database of deployment.toml (`[database.<id>]`; apim_db and shared_db always, H2 when absent): `db.<id>.type` (string: mysql, mariadb, postgre, oracle, mssql, db2, h2 — the configured `type`, else from the URL), `db.<id>.endpoint` (string host:port, nothing for embedded H2), `db.<id>.url-tls-disabled` (bool: useSSL=false, sslMode=DISABLED, sslmode=disable, encrypt=false, sslConnection=false), `db.<id>.username` (string: the configured `username`, as written; nothing when none is set)",
    ),
    spec(
        "db.tls-disabled",
        T::List,
        None,
        F::Network,
        "Every `[database.<id>]` whose JDBC URL turns TLS off or leaves it optional, as `id (what decides)`: useSSL=false, sslMode=DISABLED or PREFERRED, useSSL=true without requireSSL=true (PREFERRED), sslmode=disable, allow or prefer, encrypt=false or optional, sslConnection=false, an Oracle address without TCPS, a MariaDB or DB2 URL without a TLS switch, a MySQL or PostgreSQL URL without one (the drivers' defaults, PREFERRED and prefer); empty when none does",
    ),
    spec(
        "db.tls-driver-default",
        T::List,
        None,
        F::Network,
        "Every SQL Server `[database.<id>]` whose URL has no `encrypt=`, as `id (what decides)`: mssql-jdbc's default decides (false before 10.1, true from 10.1); empty when none",
    ),
    spec(
        "db.users",
        T::List,
        None,
        F::Network,
        "The `username` of every `[database.<id>]` that sets one, as written, as `apim_db (apimuser)`; empty when none does. Which names are administrators is rule data (db.privileged-user)",
    ),
    spec(
        "db.endpoints",
        T::List,
        None,
        F::Network,
        "Every database endpoint as `id=host:port`, from JDBC URLs or hostname/port (default port per type)",
    ),
    spec(
        "db.unreachable",
        T::List,
        None,
        F::Network,
        "Database endpoints that did not accept a TCP connection within 3s, as `apim_db db.example:5432: connection refused (2ms)`; empty when all answer; skipped with --offline",
    ),
    spec(
        "userstore.ldap.url",
        T::Str,
        None,
        F::Network,
        "The LDAP user store URL (`[user_store] connection_url` or `[user_store.properties] ConnectionURL`), credentials redacted; nothing for a JDBC user store",
    ),
    spec(
        "userstore.ldap.tls",
        T::Bool,
        None,
        F::Network,
        "Whether every LDAP URL uses ldaps://; nothing for a JDBC user store",
    ),
    spec(
        "userstore.ldap.unreachable",
        T::List,
        None,
        F::Network,
        "LDAP endpoints (ldap:// 389, ldaps:// 636 by default) that did not accept a TCP connection within 3s, with the reason; empty when all answer or there is no LDAP; skipped with --offline",
    ),
    spec(
        "db.login.failed",
        T::List,
        None,
        F::Network,
        "Datasources whose one login with the configured user and password failed, as `apim_db postgre 127.0.0.1:5432: password authentication failed for user \"am\"`; empty when all logged in; not available when a password cannot be resolved (`$secret{}` without the keystore password) or the type has no client; skipped with --offline",
    ),
    spec(
        "db.servers",
        T::List,
        None,
        F::Network,
        "Each datasource's server as seen live, as `apim_db: postgresql 15.18 at 127.0.0.1:5432`; skipped with --offline",
    ),
    spec(
        "db.apim_db.server",
        T::Str,
        None,
        F::Network,
        "apim_db's server product as it reports itself: postgresql, mysql, mariadb, mssql, db2 (db2-zos, db2-i) (MySQL/MariaDB greeting, SQL Server PRELOGIN and DB2 EXCSAT before login, PostgreSQL after login; Oracle only after login, so never); nothing for H2 or no apim_db",
    ),
    spec(
        "db.apim_db.server-version",
        T::Version,
        None,
        F::Network,
        "apim_db's server version (`15.18`, `10.11.19`, SQL Server `16.0.1000`, DB2 `11.5.8` from SRVRLSLV `SQL11058`), read as for db.apim_db.server",
    ),
    spec(
        "db.shared_db.server",
        T::Str,
        None,
        F::Network,
        "shared_db's server product as it reports itself, as for db.apim_db.server",
    ),
    spec(
        "db.shared_db.server-version",
        T::Version,
        None,
        F::Network,
        "shared_db's server version, as for db.apim_db.server-version",
    ),
    spec(
        "db.apim_db.tables",
        T::List,
        None,
        F::Network,
        "Tables (upper case) in the schema apim_db's login sees (PostgreSQL: current_schemas; MySQL/MariaDB: the URL's database), read after login",
    ),
    spec(
        "db.shared_db.tables",
        T::List,
        None,
        F::Network,
        "Tables (upper case) in the schema shared_db's login sees, as for db.apim_db.tables",
    ),
    spec(
        "db.admin-logins",
        T::List,
        None,
        F::Network,
        "Datasources whose login the server reports as an administrator, as `apim_db (postgres: rolsuper)`: PostgreSQL rolsuper, MySQL/MariaDB ALL PRIVILEGES or SUPER ON *.*; empty when none is",
    ),
    spec(
        "db.tls.not-negotiated",
        T::List,
        None,
        F::Network,
        "Datasources whose connection, opened with the JDBC URL's TLS parameters as the product's driver would, is not encrypted, with why; empty when all are",
    ),
    spec(
        "userstore.ldap.bind-failed",
        T::List,
        None,
        F::Network,
        "Why the one simple bind as connection_name failed (LDAP result code and text); empty when it succeeded; nothing for a JDBC user store; skipped with --offline",
    ),
    spec(
        "userstore.ldap.bases-missing",
        T::List,
        None,
        F::Network,
        "user_search_base / group_search_base DNs that a base-scope search after the bind does not find, as `user_search_base ou=People,dc=x: no such object`; empty when both exist",
    ),
    spec(
        "userstore.ldap.vendor",
        T::Str,
        None,
        F::Network,
        "The directory server named by its root DSE: `OpenLDAP` (OpenLDAProotDSE), `Active Directory` (capability 1.2.840.113556.1.4.800), `ApacheDS <version>` (vendorName), else vendorName and vendorVersion",
    ),
    spec(
        "db.tls.untrusted",
        T::List,
        None,
        F::Network,
        "Datasources whose server certificate the product's JDBC driver would refuse, with why (unknown CA, name mismatch, expired) and the URL setting that makes the driver verify (pgJDBC sslmode=verify-ca/verify-full, Connector/J sslMode=VERIFY_CA/VERIFY_IDENTITY, MariaDB sslMode=verify-ca/verify-full), checked against the driver's roots (the [truststore], sslrootcert, trustCertificateKeyStoreUrl, serverSslCert); empty when none is; unavailable when those roots cannot be read",
    ),
    spec(
        "db.tls.unverified",
        T::List,
        None,
        F::Network,
        "Datasources whose session is encrypted but whose driver, by its JDBC URL, does not verify the server's certificate, as `apim_db: certificate not verified by the driver (sslmode=require)`; empty when none is",
    ),
    spec(
        "userstore.ldap.tls-name-mismatch",
        T::List,
        None,
        F::Network,
        "Over ldaps:// or StartTLS, why the directory's certificate does not name the host of connection_url (JDK HostnameChecker: an IP needs an iPAddress subjectAltName, a name a dNSName one or, without any, the CN); empty when it does or without TLS. The chain itself is checked against the [truststore]: a refused chain is a failed bind",
    ),
    spec(
        "truststore.localhost-certs",
        T::List,
        None,
        F::Keystore,
        "Every truststore entry whose certificate is issued to `CN=localhost` (no public CA issues one), as `alias: subject`; empty when there is none. Unavailable when the certificates cannot be read and none was found",
    ),
    spec(
        "vault.password-source",
        T::Str,
        None,
        F::Keystore,
        "Where the keystore password for Secure Vault came from: `option` (--keystore-password-file), `env` ($PREFLIGHT_KEYSTORE_PASSWORD), `password`, `password-tmp` or `password-persist` (the product's own files in PRODUCT_HOME, read, never changed), or `none`. The password itself is never a fact",
    ),
    spec(
        "vault.secrets.decrypted",
        T::List,
        None,
        F::Keystore,
        "Aliases of [secrets] whose cipher-tool value decrypts with the internal keystore's private key, as Secure Vault does at start; the clear values stay in memory and are never facts",
    ),
    spec(
        "vault.secrets.undecryptable",
        T::List,
        None,
        F::Keystore,
        "Aliases of [secrets] whose value does not decrypt, as `alias: reason` (not base64, wrong key, wrong padding); unavailable without a keystore password or when the keystore or its key cannot be read",
    ),
    spec(
        "config.hostname.loopback",
        T::Bool,
        None,
        F::Config,
        "Whether `[server] hostname` of deployment.toml, placeholders resolved, names this machine only, in any spelling: localhost (any case, trailing dot, *.localhost, ip6-localhost), 127.0.0.0/8 in every inet_aton form (127.1, 127.0.1.1), ::1 in every form and in brackets, 0.0.0.0, ::, empty; true when the file sets no hostname (the product's default is localhost). Unavailable when the value is only known at start",
    ),
    spec(
        "config.hostname.invalid",
        T::Str,
        None,
        F::Config,
        "Why `[server] hostname` of deployment.toml, placeholders resolved, is no host name as Carbon uses it (copied into carbon.xml's `<HostName>` untrimmed): it holds a control character, a newline, white space or a URL delimiter; null when it is a host name or unset. Unavailable when the value is only known at start",
    ),
    spec(
        "config.placeholders.defaults-unknown",
        T::List,
        None,
        F::Config,
        "`$ref{}` placeholders to keys deployment.toml does not set, when the config defaults of this product version are not known to preflight (they may or may not resolve), as `$ref{x} at key.path: why`",
    ),
    spec(
        "host.product.uid",
        T::Int,
        None,
        F::Host,
        "The uid the product runs as: `User=` of the systemd unit that starts PRODUCT_HOME (no `User=` is 0, root; `DynamicUser=yes` a non-root uid), else the owner of PRODUCT_HOME, else preflight's own uid. Unavailable when the units cannot be searched or `User=` names no user of this host",
    ),
    spec(
        "host.product.user-source",
        T::Str,
        None,
        F::Host,
        "How host.product.uid was decided, e.g. `User=wso2 of /etc/systemd/system/wso2am.service`, `the owner of PRODUCT_HOME (no systemd unit starts it)`",
    ),
];

/// The stores this probe knows, as fact prefixes. The deployment.toml table has the same name.
pub const STORES: &[&str] = &[
    "keystore.primary",
    "keystore.tls",
    "keystore.internal",
    "truststore",
];
/// The per-store facts, without the store prefix, with their types and meanings.
pub const STORE_FACTS: &[(&str, FactType, &str)] = {
    use FactType as T;
    &[
        (
            "file",
            T::Str,
            "Keystore path relative to PRODUCT_HOME (from `file_name`, default wso2carbon.jks / client-truststore.jks)",
        ),
        (
            "exists",
            T::Bool,
            "Whether the keystore file exists under PRODUCT_HOME",
        ),
        (
            "format",
            T::Str,
            "Keystore format by magic bytes: jks, jceks or pkcs12",
        ),
        (
            "opens",
            T::Bool,
            "Whether the configured password (default wso2carbon) verifies the keystore",
        ),
        (
            "verified-by",
            T::Str,
            "How `opens` was decided: jks-digest, pkcs12-mac-sha1, pkcs12-mac-sha256, pkcs12-decryption (no MAC) or none (no MAC, nothing encrypted)",
        ),
        ("aliases", T::List, "Entry aliases in the keystore"),
        (
            "alias-present",
            T::Bool,
            "Whether the configured alias (default wso2carbon) is in the keystore",
        ),
        (
            "cert.subject",
            T::Str,
            "Subject of the configured alias's certificate, keytool order (`CN=…, OU=…, C=…`)",
        ),
        (
            "cert.issuer",
            T::Str,
            "Issuer of the configured alias's certificate",
        ),
        (
            "cert.not-after",
            T::Str,
            "Expiry of the configured alias's certificate, RFC 3339 UTC",
        ),
        (
            "cert.days-left",
            T::Int,
            "Whole days until the configured alias's certificate expires (negative once expired)",
        ),
        (
            "cert.key-type",
            T::Str,
            "Public key type of the configured alias's certificate: RSA, EC, DSA, Ed25519, …",
        ),
        (
            "cert.key-bits",
            T::Int,
            "Public key size in bits of the configured alias's certificate",
        ),
        (
            "cert.signature",
            T::Str,
            "Signature algorithm of the configured alias's certificate, e.g. sha256WithRSAEncryption",
        ),
        (
            "cert.sha256",
            T::Str,
            "SHA-256 fingerprint of the configured alias's certificate, colon-separated upper-case hex",
        ),
        (
            "mode",
            T::Int,
            "Permission bits of the keystore file (0o644 is 420)",
        ),
    ]
};

/// The profiles preflight knows, as `--profile` accepts them.
pub const PROFILES: &[&str] = &[
    "all-in-one",
    "control-plane",
    "gateway-worker",
    "traffic-manager",
    "key-manager",
];

/// Every catalogue entry: [`CATALOGUE`] plus the facts each keystore has
/// (`keystore.primary.opens`, `truststore.cert.days-left`, …), built once.
pub fn all() -> &'static [FactSpec] {
    static ALL: std::sync::OnceLock<Vec<FactSpec>> = std::sync::OnceLock::new();
    ALL.get_or_init(|| {
        let mut all = CATALOGUE.to_vec();
        for store in STORES {
            for (what, ty, description) in STORE_FACTS {
                // Built once per process: a few dozen short names.
                let name: &'static str = Box::leak(format!("{store}.{what}").into_boxed_str());
                let unit = (*what == "cert.days-left").then_some("days");
                all.push(spec(name, *ty, unit, F::Keystore, description));
            }
        }
        all
    })
}

/// The catalogue entry for a fact name, including family members such as `deployment.server.hostname`.
pub fn lookup(name: &str) -> Option<&'static FactSpec> {
    // Rule files name facts many times each: exact names are hashed once per process.
    static EXACT: std::sync::OnceLock<std::collections::HashMap<&'static str, &'static FactSpec>> =
        std::sync::OnceLock::new();
    let exact = EXACT.get_or_init(|| all().iter().rev().map(|s| (s.name, s)).collect());
    exact.get(name).copied().or_else(|| {
        all().iter().find(|s| {
            s.name
                .strip_suffix('*')
                .is_some_and(|prefix| name.len() > prefix.len() && name.starts_with(prefix))
        })
    })
}

/// The type of a fact as the rule compiler sees it: family members that hold secrets are `Secret`.
pub fn fact_type(name: &str) -> Option<FactType> {
    let spec = lookup(name)?;
    if crate::redact::is_secret_fact(name) {
        return Some(FactType::Secret);
    }
    Some(spec.ty)
}

/// `; did you mean `x`?` for the catalogue name closest to a misspelt `name`, or nothing.
pub fn did_you_mean(name: &str) -> String {
    crate::suggest::did_you_mean(name, all().iter().map(|s| s.name))
}
