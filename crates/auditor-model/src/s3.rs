//! S3 inventory types: the account's Terraform state buckets (S3 is global; each bucket
//! lives in one region).
//!
//! Only state buckets are kept: the ones named in config, and the ones whose bounded key
//! listing found a `.tfstate` key. Every other bucket is only counted. Secret values found
//! in state files are never stored: a [`SecretHit`] names the key and attribute path only.

use crate::Collected;
use serde::{Deserialize, Serialize};

/// Everything collected from S3 for one account.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct S3Account {
    /// The account's public access block (S3 Control GetPublicAccessBlock); `None` when
    /// none is set.
    #[serde(default)]
    pub account_public_access_block: Collected<Option<PublicAccessBlock>>,
    /// The state buckets, or the gap of `s3:ListAllMyBuckets` (without which nothing can
    /// be discovered; buckets named in config are still inspected and listed here then).
    #[serde(default)]
    pub buckets: Collected<Vec<Bucket>>,
    /// How discovery went: buckets looked at, and those it could not finish.
    #[serde(default)]
    pub discovery: Discovery,
}

/// The outcome of looking for state buckets.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Discovery {
    /// Buckets in the account (from ListBuckets).
    #[serde(default)]
    pub buckets_seen: usize,
    /// The most keys listed per bucket while looking for `.tfstate` keys.
    #[serde(default)]
    pub max_keys_per_bucket: usize,
    /// Buckets whose listing stopped at the bound without a state key: they may still
    /// hold state further down. Name them in config to inspect them fully.
    #[serde(default)]
    pub incomplete: Vec<String>,
    /// Buckets that could not be looked into (region or listing refused), so whether they
    /// hold state is unknown; and `s3:ListAllMyBuckets` when it was refused but configured
    /// buckets were still inspected.
    #[serde(default)]
    pub gaps: Vec<crate::Gap>,
}

/// Why a bucket is audited as a state bucket.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Origin {
    /// Named in config (`s3.state_buckets`).
    Config,
    /// Its listing found a key ending in `.tfstate`.
    Discovered,
}

/// A state bucket and its settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Bucket {
    /// Name.
    pub name: String,
    /// `arn:aws:s3:::name`.
    pub arn: String,
    /// Its region (LocationConstraint; `us-east-1` when empty). `None` when it could not
    /// be read, and then nothing else was.
    #[serde(default)]
    pub region: Option<String>,
    /// Named in config or discovered.
    pub origin: Origin,
    /// GetBucketEncryption: the default encryption rule, `None` when none is configured
    /// (an emulator; AWS always answers at least SSE-S3 now).
    #[serde(default)]
    pub encryption: Collected<Option<Encryption>>,
    /// GetBucketVersioning.
    #[serde(default)]
    pub versioning: Collected<Versioning>,
    /// GetPublicAccessBlock of the bucket; `None` when none is set.
    #[serde(default)]
    pub public_access_block: Collected<Option<PublicAccessBlock>>,
    /// GetBucketPolicy: the policy text, `None` when the bucket has none.
    #[serde(default)]
    pub policy: Collected<Option<String>>,
    /// GetBucketPolicyStatus: whether AWS considers the policy public; `None` without a
    /// policy.
    #[serde(default)]
    pub policy_is_public: Collected<Option<bool>>,
    /// GetBucketOwnershipControls: `BucketOwnerEnforced`, `BucketOwnerPreferred`,
    /// `ObjectWriter`; `None` when none is set (ACLs are then in effect).
    #[serde(default)]
    pub object_ownership: Collected<Option<String>>,
    /// GetBucketLogging: the target bucket and prefix, `None` when logging is off.
    #[serde(default)]
    pub logging: Collected<Option<Logging>>,
    /// GetObjectLockConfiguration: the lock mode and retention, `None` when not enabled.
    #[serde(default)]
    pub object_lock: Collected<Option<ObjectLock>>,
    /// The `.tfstate` keys (ListObjectsV2, bounded).
    #[serde(default)]
    pub state: Collected<StateKeys>,
    /// The opt-in secret scan of state objects; `None` when it was not asked for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret_scan: Option<SecretScan>,
}

/// A default encryption rule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Encryption {
    /// `AES256`, `aws:kms` or `aws:kms:dsse`.
    pub algorithm: String,
    /// The KMS key, for `aws:kms*`.
    #[serde(default)]
    pub kms_key: Option<String>,
    /// S3 Bucket Keys enabled.
    #[serde(default)]
    pub bucket_key_enabled: bool,
}

/// Versioning state.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Versioning {
    /// `Enabled`, `Suspended`, or `None` when never enabled.
    #[serde(default)]
    pub status: Option<String>,
    /// `Enabled`, `Disabled`, or `None` when never configured.
    #[serde(default)]
    pub mfa_delete: Option<String>,
}

/// The four public access block flags.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublicAccessBlock {
    /// BlockPublicAcls.
    pub block_public_acls: bool,
    /// IgnorePublicAcls.
    pub ignore_public_acls: bool,
    /// BlockPublicPolicy.
    pub block_public_policy: bool,
    /// RestrictPublicBuckets.
    pub restrict_public_buckets: bool,
}

impl PublicAccessBlock {
    /// Whether all four settings are on.
    pub fn all_on(&self) -> bool {
        self.flags().iter().all(|(_, on)| *on)
    }

    /// The flags with their API names.
    pub fn flags(&self) -> [(&'static str, bool); 4] {
        [
            ("BlockPublicAcls", self.block_public_acls),
            ("IgnorePublicAcls", self.ignore_public_acls),
            ("BlockPublicPolicy", self.block_public_policy),
            ("RestrictPublicBuckets", self.restrict_public_buckets),
        ]
    }
}

/// Server access logging.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Logging {
    /// Target bucket.
    pub target_bucket: String,
    /// Target prefix.
    #[serde(default)]
    pub target_prefix: String,
}

/// Object Lock.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ObjectLock {
    /// `Enabled`.
    pub enabled: bool,
    /// `GOVERNANCE` or `COMPLIANCE`, when a default retention is set.
    #[serde(default)]
    pub mode: Option<String>,
}

/// The state keys of a bucket.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct StateKeys {
    /// Keys ending in `.tfstate`, with their sizes.
    pub keys: Vec<StateObject>,
    /// The listing stopped at the configured bound: more keys may exist.
    #[serde(default)]
    pub truncated: bool,
}

/// One state object.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StateObject {
    /// The key, e.g. `services/crm/prod/us-east-2/network/tf.tfstate`.
    pub key: String,
    /// Bytes.
    #[serde(default)]
    pub size: i64,
}

/// The outcome of scanning state objects for plain-text secrets.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SecretScan {
    /// Objects read and scanned.
    #[serde(default)]
    pub scanned: Vec<String>,
    /// Objects not scanned, with why (too large, over the count bound, not JSON, refused).
    #[serde(default)]
    pub skipped: Vec<Skipped>,
    /// What was found: names and paths, never values.
    #[serde(default)]
    pub hits: Vec<SecretHit>,
}

/// An object the scan left out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Skipped {
    /// The key.
    pub key: String,
    /// Why.
    pub reason: String,
    /// When AWS refused or failed the read: the gap, for the report's coverage.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gap: Option<crate::Gap>,
}

/// A secret value in a state file: where it is, never what it is.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct SecretHit {
    /// The state key.
    pub key: String,
    /// The attribute path, e.g. `resources[aws_db_instance.main].instances[0].attributes.password`.
    pub path: String,
    /// What it looks like: `password`, `secret`, `private_key`, `token`, `access_key`.
    pub kind: String,
    /// Terraform marks the attribute sensitive (hidden in plans, still plain in state).
    #[serde(default)]
    pub marked_sensitive: bool,
}

/// Who can read and write which team's state in one bucket: the access matrix of the
/// report (principal × team). Computed by the checks from IAM and the bucket policy.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct StateAccessMatrix {
    /// The bucket.
    pub bucket: String,
    /// Its region.
    #[serde(default)]
    pub region: Option<String>,
    /// The teams (columns), in order.
    pub teams: Vec<TeamScope>,
    /// Principals evaluated (roles and users; service-linked roles left out).
    pub principals_evaluated: usize,
    /// The principals that reach any team's state (rows); the others reach none.
    pub rows: Vec<AccessRow>,
    /// Principals whose access could not be decided, with why.
    #[serde(default)]
    pub not_assessed: Vec<NotAssessedPrincipal>,
    /// Why the whole bucket could not be analysed (no state keys read, no policy read).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub not_assessed_reason: Option<String>,
}

/// A team's part of a bucket.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct TeamScope {
    /// Team name.
    pub team: String,
    /// Key prefix.
    pub prefix: String,
    /// `config` or `layout` (derived from the keys).
    pub source: String,
    /// State keys under the prefix.
    pub keys: usize,
}

/// One principal's row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct AccessRow {
    /// Its ARN.
    pub principal: String,
    /// Its teams, when known.
    #[serde(default)]
    pub teams: Vec<String>,
    /// How its team is known: `config`, `tag team=crm`, `state admin`, or `unknown`.
    pub membership: String,
    /// What it can do per team (only teams it reaches).
    pub access: std::collections::BTreeMap<String, Access>,
    /// `expected` (own team or admin), `cross-team`, or `unattributed`.
    pub verdict: String,
    /// When the row stands for several principals with the same row in this bucket: the
    /// id of their [`PrincipalGroup`] (`principal` is then its first member).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
}

/// Principals that share a row of a state bucket's matrix: listed once for every bucket
/// where they appear together.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct PrincipalGroup {
    /// `G1`, `G2`, ... in order of first appearance.
    pub id: String,
    /// Its members' ARNs, sorted.
    pub principals: Vec<String>,
}

/// Principal groups by id, to find the group a row names.
pub type GroupsById<'g> = std::collections::HashMap<&'g str, &'g PrincipalGroup>;

/// Indexes `groups` by id.
pub fn groups_by_id(groups: &[PrincipalGroup]) -> GroupsById<'_> {
    groups.iter().map(|g| (g.id.as_str(), g)).collect()
}

/// The state access of an audit: each state bucket's matrix, and the groups of principals
/// its rows stand for.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct StateAccess {
    /// One per state bucket.
    pub matrices: Vec<StateAccessMatrix>,
    /// The groups `rows[].group` names.
    pub groups: Vec<PrincipalGroup>,
}

/// Folds rows that are equal but for the principal into one row per group of principals,
/// matrix by matrix (so a large account's rows are never all held ungrouped at once); each
/// distinct set of principals becomes one [`PrincipalGroup`], whatever the number of
/// buckets it appears in. A row of one principal stays as it is.
#[derive(Debug, Default)]
pub struct RowGrouper {
    groups: Vec<PrincipalGroup>,
    ids: std::collections::HashMap<Vec<String>, usize>,
}

impl RowGrouper {
    /// Groups the rows of one matrix.
    pub fn fold(&mut self, m: &mut StateAccessMatrix) {
        type Key = (Vec<String>, String, Vec<(String, Access)>, String);
        let mut order: Vec<Vec<AccessRow>> = Vec::new();
        let mut at: std::collections::HashMap<Key, usize> = std::collections::HashMap::new();
        for row in std::mem::take(&mut m.rows) {
            let key: Key = (
                row.teams.clone(),
                row.membership.clone(),
                row.access.iter().map(|(t, a)| (t.clone(), *a)).collect(),
                row.verdict.clone(),
            );
            match at.get(&key) {
                Some(&i) => order[i].push(row),
                None => {
                    at.insert(key, order.len());
                    order.push(vec![row]);
                }
            }
        }
        for mut rows in order {
            if rows.len() == 1 {
                m.rows.append(&mut rows);
                continue;
            }
            let mut members: Vec<String> = rows.iter().map(|r| r.principal.clone()).collect();
            members.sort();
            members.dedup();
            let n = self.groups.len();
            let i = *self.ids.entry(members.clone()).or_insert(n);
            if i == n {
                self.groups.push(PrincipalGroup {
                    id: format!("G{}", n + 1),
                    principals: members,
                });
            }
            let mut row = rows.swap_remove(0);
            row.principal.clone_from(&self.groups[i].principals[0]);
            row.group = Some(self.groups[i].id.clone());
            m.rows.push(row);
        }
    }

    /// The groups made, in order of first appearance.
    pub fn finish(self) -> Vec<PrincipalGroup> {
        self.groups
    }
}

/// [`RowGrouper`] over every matrix.
pub fn group_rows(matrices: &mut [StateAccessMatrix]) -> Vec<PrincipalGroup> {
    let mut g = RowGrouper::default();
    for m in matrices {
        g.fold(m);
    }
    g.finish()
}

fn is_false(b: &bool) -> bool {
    !*b
}

/// Read, read past versions, write and delete, as found.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema,
)]
pub struct Access {
    /// s3:GetObject.
    pub read: bool,
    /// s3:GetObjectVersion: every past version of a state file, in a versioned bucket.
    /// Written only when true (a large account's matrix has many cells).
    #[serde(default, skip_serializing_if = "is_false")]
    pub read_versions: bool,
    /// s3:PutObject.
    pub write: bool,
    /// s3:DeleteObject.
    pub delete: bool,
}

impl Access {
    /// `read`, `read+past versions`, `read+write`, `read+write+delete`, ... or `none`.
    pub fn label(&self) -> String {
        let parts: Vec<&str> = [
            (self.read, "read"),
            (self.read_versions, "past versions"),
            (self.write, "write"),
            (self.delete, "delete"),
        ]
        .iter()
        .filter(|(on, _)| *on)
        .map(|(_, n)| *n)
        .collect();
        if parts.is_empty() {
            "none".into()
        } else {
            parts.join("+")
        }
    }

    /// Any of the four.
    pub fn any(&self) -> bool {
        self.read || self.read_versions || self.write || self.delete
    }
}

/// A principal the analysis could not decide.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct NotAssessedPrincipal {
    /// Its ARN.
    pub principal: String,
    /// Why.
    pub reason: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(principal: &str, team: &str, read: bool, write: bool, verdict: &str) -> AccessRow {
        AccessRow {
            principal: principal.into(),
            teams: vec![team.into()],
            membership: format!("tag team={team}"),
            access: [(
                team.to_owned(),
                Access {
                    read,
                    read_versions: false,
                    write,
                    delete: false,
                },
            )]
            .into(),
            verdict: verdict.into(),
            group: None,
        }
    }

    fn matrix(bucket: &str, rows: Vec<AccessRow>) -> StateAccessMatrix {
        StateAccessMatrix {
            bucket: bucket.into(),
            region: None,
            teams: Vec::new(),
            principals_evaluated: rows.len(),
            rows,
            not_assessed: Vec::new(),
            not_assessed_reason: None,
        }
    }

    #[test]
    fn equal_rows_fold_into_one_per_group_and_each_set_of_principals_is_listed_once() {
        let mut ms = vec![
            matrix(
                "a",
                vec![
                    row("arn:r/b", "crm", true, false, "expected"),
                    row("arn:r/lone", "crm", true, true, "expected"),
                    row("arn:r/a", "crm", true, false, "expected"),
                    row("arn:r/c", "crm", true, false, "cross-team"),
                ],
            ),
            matrix(
                "b",
                vec![
                    row("arn:r/a", "crm", true, false, "expected"),
                    row("arn:r/b", "crm", true, false, "expected"),
                ],
            ),
        ];
        let groups = group_rows(&mut ms);
        // One group: {a, b}, in both buckets; the lone principal and the cross-team one
        // (a different verdict) keep rows of their own.
        assert_eq!(
            groups,
            vec![PrincipalGroup {
                id: "G1".into(),
                principals: vec!["arn:r/a".into(), "arn:r/b".into()],
            }]
        );
        let a: Vec<(&str, Option<&str>)> = ms[0]
            .rows
            .iter()
            .map(|r| (r.principal.as_str(), r.group.as_deref()))
            .collect();
        assert_eq!(
            a,
            vec![
                ("arn:r/a", Some("G1")),
                ("arn:r/lone", None),
                ("arn:r/c", None)
            ]
        );
        assert_eq!(ms[1].rows.len(), 1);
        assert_eq!(ms[1].rows[0].group.as_deref(), Some("G1"));
        // Nothing else about a row changes.
        assert!(ms[1].rows[0].access["crm"].read && !ms[1].rows[0].access["crm"].write);
    }
}
