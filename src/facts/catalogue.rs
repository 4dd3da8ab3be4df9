//! The fact catalogue: every fact name a rule may read, its type, unit, meaning and probe.

use serde::Serialize;

/// The probe family that produces a fact. Each family runs once per run, in its own thread.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Family {
    Host,
    Product,
    Config,
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
        "Logical CPUs available to this host",
    ),
    spec(
        "host.memory.total",
        T::Bytes,
        Some("bytes"),
        F::Host,
        "Physical memory (MemTotal)",
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
        "A value of a WSO2 XML file: `xml.<file>.<path>`, file one of catalina-server (repository/conf/tomcat/catalina-server.xml), carbon (repository/conf/carbon.xml), qpid-config (repository/conf/advanced/qpid-config.xml). The path is `/`-separated element local names from the root, each optionally with `[@attr='value']` predicates or a 1-based `[n]` index, ending in `/@attr` for an attribute or else giving the element's text: `xml.catalina-server./Server/Service/Connector[@port='9443']/SSLHostConfig/@protocols`. The first match in document order; integers and true/false are typed; nothing when absent",
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
        "Per database of deployment.toml (`[database.<id>]`; apim_db and shared_db always, H2 when absent): `db.<id>.type` (string: mysql, mariadb, postgre, oracle, mssql, db2, h2 — the configured `type`, else from the URL), `db.<id>.endpoint` (string host:port, nothing for embedded H2), `db.<id>.url-tls-disabled` (bool: useSSL=false, sslMode=DISABLED, sslmode=disable, encrypt=false, sslConnection=false), `db.<id>.username-privileged` (bool: root, sa, postgres, system or sys)",
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
        "truststore.has-default-cert",
        T::Bool,
        None,
        F::Keystore,
        "Whether the truststore holds WSO2's default certificate: an alias `wso2carbon` or a certificate with subject `CN=localhost, OU=WSO2, O=WSO2, L=Mountain View, ST=CA, C=US`",
    ),
];

/// Every catalogue entry: [`CATALOGUE`] plus the facts each keystore has
/// (`keystore.primary.opens`, `truststore.cert.days-left`, …), built once.
pub fn all() -> &'static [FactSpec] {
    static ALL: std::sync::OnceLock<Vec<FactSpec>> = std::sync::OnceLock::new();
    ALL.get_or_init(|| {
        let mut all = CATALOGUE.to_vec();
        for store in crate::facts::keystore::STORES {
            for (what, ty, description) in crate::facts::keystore::STORE_FACTS {
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
    all().iter().find(|s| s.name == name).or_else(|| {
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
    if spec.family == Family::Config && crate::facts::config::is_secret_path(name) {
        return Some(FactType::Secret);
    }
    Some(spec.ty)
}

/// Catalogue names close to `name`, for "did you mean" hints.
pub fn suggest(name: &str) -> Option<&'static str> {
    all()
        .iter()
        .map(|s| (strsim::jaro_winkler(name, s.name), s.name))
        .filter(|(score, _)| *score > 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, n)| n)
}
