//! Settings that checks honour. The CLI fills them from config; defaults are documented.

use auditor_model::Severity;
use std::collections::BTreeMap;

/// A tag a resource must carry: key and value (`key=value`), or just the key (`key`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TagMatch {
    /// Tag key.
    pub key: String,
    /// Tag value; `None` matches any value.
    pub value: Option<String>,
}

impl TagMatch {
    /// Parses `key=value` or `key`.
    pub fn parse(s: &str) -> Result<TagMatch, String> {
        let (k, v) = match s.split_once('=') {
            Some((k, v)) => (k, Some(v.to_owned())),
            None => (s, None),
        };
        if k.trim().is_empty() {
            return Err(format!(
                "'{s}' has an empty tag key (expected key=value or key)"
            ));
        }
        Ok(TagMatch {
            key: k.to_owned(),
            value: v,
        })
    }

    /// Whether `tags` carry this tag.
    pub fn matches(&self, tags: &BTreeMap<String, String>) -> bool {
        match (tags.get(&self.key), &self.value) {
            (Some(_), None) => true,
            (Some(v), Some(want)) => v == want,
            (None, _) => false,
        }
    }
}

impl std::fmt::Display for TagMatch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.value {
            Some(v) => write!(f, "{}={v}", self.key),
            None => f.write_str(&self.key),
        }
    }
}

/// What checks read from the user's configuration.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Severity per check code, replacing the check's default.
    pub severity_overrides: BTreeMap<String, Severity>,
    /// Codes of checks not to run.
    pub disabled: Vec<String>,
    /// Ports counted as administration ports (EC2-002, EC2-005).
    pub admin_ports: Vec<u16>,
    /// Ports counted as database and cache ports (EC2-003).
    pub database_ports: Vec<u16>,
    /// Tags that mark subnets as data/isolated: no route to a NAT or internet gateway (EC2-010).
    pub isolated_subnet_tags: Vec<TagMatch>,
    /// Accounts whose grants in ECR policies are expected (ECR-004).
    pub ecr_trusted_accounts: Vec<String>,
    /// Upstream registries pull-through cache rules may use (ECR-007).
    pub allowed_upstream_registries: Vec<String>,
    /// Accounts roles may trust without an external id (IAM-002).
    pub iam_trusted_accounts: Vec<String>,
    /// Role names expected to be administrators (IAM-007).
    pub break_glass_roles: Vec<String>,
    /// Days after which an access key must be rotated, and an unused one removed (IAM-009).
    pub access_key_max_age_days: i64,
    /// Days without use after which a role should be removed (IAM-011).
    pub role_unused_days: i64,
    /// Principal ARNs (`*` wildcards) allowed to be cluster admins through access entries
    /// (EKS-014).
    pub eks_cluster_admins: Vec<String>,
    /// AWS managed policy names a node role may have (EKS-015).
    pub eks_node_role_policies: Vec<String>,
    /// Control-plane log types every cluster must send to CloudWatch Logs (EKS-003).
    pub eks_required_log_types: Vec<String>,
    /// Terraform state: teams, their prefixes and principals, and the admins (S3-*).
    pub s3: StateSettings,
    /// Opt-in checks to run (S3-009); every other check runs unless disabled.
    pub opt_in: Vec<String>,
    /// Accepted failures: matched by code and resource ARN pattern, until they expire.
    pub suppressions: Vec<SuppressionRule>,
}

/// A failure accepted by someone, for a reason, until a date.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SuppressionRule {
    /// The check code.
    pub code: String,
    /// Resource ARN pattern (`*` wildcards).
    pub resource: String,
    /// Why it is accepted.
    pub reason: String,
    /// Who accepted it.
    pub owner: String,
    /// Last day it applies.
    pub expires: time::Date,
}

/// Who owns which Terraform state, for S3-008 and the access matrix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StateSettings {
    /// Teams named in config. When empty, teams come from the key layout.
    pub teams: Vec<StateTeam>,
    /// The key layout teams are derived from when none are configured: a prefix with one
    /// `{team}` placeholder, e.g. `services/{team}/`.
    pub team_layout: String,
    /// A principal whose tag with this key names a team belongs to that team.
    pub team_tag: String,
    /// Principal ARN patterns (`*` wildcards) expected to reach every team's state
    /// (Terraform pipelines such as Atlantis, break-glass roles).
    pub state_admins: Vec<String>,
    /// Accounts a state bucket policy may grant (S3-005).
    pub trusted_accounts: Vec<String>,
}

impl Default for StateSettings {
    fn default() -> Self {
        StateSettings {
            teams: Vec::new(),
            team_layout: "services/{team}/".into(),
            team_tag: "team".into(),
            state_admins: Vec::new(),
            trusted_accounts: Vec::new(),
        }
    }
}

/// A team and what it owns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StateTeam {
    /// The team's name, e.g. `crm`.
    pub name: String,
    /// Key prefixes of its state, e.g. `services/crm/`.
    pub prefixes: Vec<String>,
    /// Principal ARN patterns (`*` wildcards) of its members and deployers.
    pub principals: Vec<String>,
}

/// Checks that run only when asked for, each with the configuration switch (a boolean
/// key of the configuration file) that asks for it: S3-009 reports what the secret scan
/// of state objects found, and the scan reads state, so both are off by default.
pub const OPT_IN_CHECKS: &[(&str, &str)] = &[("S3-009", "s3.scan_state_secrets")];

impl Default for Settings {
    fn default() -> Self {
        Settings {
            severity_overrides: BTreeMap::new(),
            disabled: Vec::new(),
            admin_ports: vec![22, 3389],
            database_ports: DEFAULT_DATABASE_PORTS.to_vec(),
            isolated_subnet_tags: vec![TagMatch {
                key: "auditor:isolated".into(),
                value: Some("true".into()),
            }],
            ecr_trusted_accounts: Vec::new(),
            allowed_upstream_registries: vec!["public.ecr.aws".into()],
            iam_trusted_accounts: Vec::new(),
            break_glass_roles: Vec::new(),
            access_key_max_age_days: 90,
            role_unused_days: 90,
            eks_cluster_admins: Vec::new(),
            eks_node_role_policies: DEFAULT_NODE_ROLE_POLICIES
                .iter()
                .map(|s| (*s).to_owned())
                .collect(),
            eks_required_log_types: DEFAULT_REQUIRED_LOG_TYPES
                .iter()
                .map(|s| (*s).to_owned())
                .collect(),
            s3: StateSettings::default(),
            opt_in: Vec::new(),
            suppressions: Vec::new(),
        }
    }
}

/// The control-plane log types an investigation needs (EKS-003's default): who did what
/// through the Kubernetes API (`audit`), as which IAM principal (`authenticator`), and the
/// API server's own view (`api`).
pub const DEFAULT_REQUIRED_LOG_TYPES: &[&str] = &["api", "audit", "authenticator"];

/// Every control-plane log type EKS can send.
pub const EKS_LOG_TYPES: &[&str] = &[
    "api",
    "audit",
    "authenticator",
    "controllerManager",
    "scheduler",
];

/// The AWS managed policies a node role needs: kubelet, CNI, image pulls.
pub const DEFAULT_NODE_ROLE_POLICIES: &[&str] = &[
    "AmazonEKSWorkerNodePolicy",
    "AmazonEKS_CNI_Policy",
    "AmazonEC2ContainerRegistryReadOnly",
    "AmazonEC2ContainerRegistryPullOnly",
];

/// MSSQL, Oracle, etcd, MySQL/Aurora, PostgreSQL, CouchDB, Redis/Valkey, Cassandra,
/// InfluxDB, Elasticsearch/OpenSearch, Memcached, MongoDB.
pub const DEFAULT_DATABASE_PORTS: &[u16] = &[
    1433, 1521, 2379, 3306, 5432, 5984, 6379, 7000, 7001, 8086, 9042, 9200, 9300, 11211, 27017,
    27018,
];
