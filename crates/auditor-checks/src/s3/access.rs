//! Who can read and write which team's Terraform state: the analysis behind S3-008 and the
//! report's access matrix.
//!
//! For every state bucket, the teams are its key prefixes (from config, or from the key
//! layout `services/{team}/`). For every role (but service-linked ones) and user of the
//! account, the policy engine decides `s3:GetObject`, `s3:PutObject` and `s3:DeleteObject`
//! on the team's state keys, with the principal's identity policies (a user's with its
//! groups'), its permission boundary and the bucket policy. The request carries what is
//! known of the principal (`aws:PrincipalArn`, `aws:PrincipalAccount`, `aws:PrincipalType`,
//! `aws:username`, `aws:PrincipalTag/*`, its organisation when known) and TLS
//! (`aws:SecureTransport` = `true`), built by `principals::principal_context`. Conditions
//! on any other key are taken in the requester's favour (`Context::assume_unknown`): an
//! Allow's are met, a Deny's avoidable. The evidence names each such assumption.
//!
//! The analysis is computed once per audit (see `Memo`) and shared by S3-008 and the
//! report.

use crate::principals::{principal_context, Subject};
use crate::{CheckContext, Settings};
use auditor_model::ecr::filter_matches;
use auditor_model::iam::{IamAccount, InlinePolicy};
use auditor_model::s3::{
    Access, AccessRow, Bucket, NotAssessedPrincipal, StateAccessMatrix, StateObject, TeamScope,
};
use auditor_model::{Gap, Inventory};
use auditor_policy::{Action, Context, Decision, Named, Plan, PolicyDocument, PolicySet};
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

/// State keys evaluated per team, at most (the first in key order).
pub(crate) const MAX_KEYS_PER_TEAM: usize = 50;

/// Marks what an action gives in an [`Access`].
type Give = fn(&mut Access);

/// A principal that could not be decided: (ARN or `role/*`, kind, name, reason).
pub(crate) type Undecided = (String, &'static str, String, String);

/// The object actions evaluated, with what they give.
const ACTIONS: [(&str, Give); 3] = [
    ("s3:GetObject", |a| a.read = true),
    ("s3:PutObject", |a| a.write = true),
    ("s3:DeleteObject", |a| a.delete = true),
];

/// How a principal's team is known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Membership {
    /// Expected to reach every team: `checks.s3.state_admins` or a break-glass role.
    Admin(String),
    /// Its teams, and where that comes from (`config` or `tag team=crm`).
    Teams(Vec<String>, String),
    /// Neither config nor a tag says.
    Unknown,
}

impl Membership {
    fn label(&self) -> String {
        match self {
            Membership::Admin(why) => format!("state admin ({why})"),
            Membership::Teams(_, source) => source.clone(),
            Membership::Unknown => "unknown".into(),
        }
    }
}

/// What one principal reaches of one team.
#[derive(Debug, Clone, Default)]
pub(crate) struct TeamReach {
    /// The team's prefix.
    pub(crate) prefix: String,
    /// Read, write, delete.
    pub(crate) access: Access,
    /// The first key found reachable.
    pub(crate) key: String,
    /// The statements that grant it, `policy Statement[...]`.
    pub(crate) granted_by: Vec<String>,
    /// Conditions assumed met (or Denies assumed avoided) on the way.
    pub(crate) assumed: Vec<String>,
}

/// One principal's result for one bucket.
#[derive(Debug, Clone)]
pub(crate) struct PrincipalAccess {
    pub(crate) arn: String,
    pub(crate) kind: &'static str,
    pub(crate) name: String,
    pub(crate) membership: Membership,
    /// Per team it reaches.
    pub(crate) reach: BTreeMap<String, TeamReach>,
}

/// How a principal's access is judged.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Verdict {
    /// Own team only, or an admin.
    Expected,
    /// Reaches a team it does not belong to (or, team unknown, more than one team).
    CrossTeam,
    /// Team unknown, reaches one team: cannot tell.
    Unattributed,
}

impl PrincipalAccess {
    /// The teams it reaches that are not its own.
    pub(crate) fn foreign(&self) -> Vec<&String> {
        match &self.membership {
            Membership::Admin(_) => Vec::new(),
            Membership::Teams(own, _) => self.reach.keys().filter(|t| !own.contains(t)).collect(),
            Membership::Unknown if self.reach.len() > 1 => self.reach.keys().collect(),
            Membership::Unknown => Vec::new(),
        }
    }

    pub(crate) fn verdict(&self) -> Verdict {
        if !self.foreign().is_empty() {
            Verdict::CrossTeam
        } else if self.membership == Membership::Unknown {
            Verdict::Unattributed
        } else {
            Verdict::Expected
        }
    }
}

/// The analysis of one bucket.
#[derive(Debug, Clone)]
pub(crate) struct BucketAccess {
    pub(crate) bucket_index: usize,
    /// Why the bucket could not be analysed: a gap, or a reason.
    pub(crate) not_assessed: Option<Result<String, Gap>>,
    pub(crate) teams: Vec<TeamScope>,
    pub(crate) principals_evaluated: usize,
    /// Principals that reach any team.
    pub(crate) principals: Vec<PrincipalAccess>,
    /// Principals that could not be decided.
    pub(crate) undecided: Vec<Undecided>,
}

impl BucketAccess {
    /// The report's matrix.
    pub(crate) fn matrix(&self, b: &Bucket) -> StateAccessMatrix {
        StateAccessMatrix {
            bucket: b.name.clone(),
            region: b.region.clone(),
            teams: self.teams.clone(),
            principals_evaluated: self.principals_evaluated,
            rows: self
                .principals
                .iter()
                .map(|p| AccessRow {
                    principal: p.arn.clone(),
                    teams: match &p.membership {
                        Membership::Teams(t, _) => t.clone(),
                        _ => Vec::new(),
                    },
                    membership: p.membership.label(),
                    access: p.reach.iter().map(|(t, r)| (t.clone(), r.access)).collect(),
                    verdict: match p.verdict() {
                        Verdict::Expected => "expected",
                        Verdict::CrossTeam => "cross-team",
                        Verdict::Unattributed => "unattributed",
                    }
                    .into(),
                })
                .collect(),
            not_assessed: self
                .undecided
                .iter()
                .map(|(arn, _, _, reason)| NotAssessedPrincipal {
                    principal: arn.clone(),
                    reason: reason.clone(),
                })
                .collect(),
            not_assessed_reason: self.not_assessed.as_ref().map(|r| match r {
                Ok(why) => why.clone(),
                Err(gap) => gap.to_string(),
            }),
        }
    }
}

/// The matrices of every state bucket of the inventory.
pub(crate) fn matrices(ctx: &CheckContext<'_>) -> Vec<StateAccessMatrix> {
    let Some(buckets) = ctx.inventory.s3.as_ref().and_then(|s| s.buckets.get().ok()) else {
        return Vec::new();
    };
    analysis(ctx)
        .iter()
        .filter_map(|a| buckets.get(a.bucket_index).map(|b| a.matrix(b)))
        .collect()
}

/// The analysis, computed on first use and kept for the rest of the audit.
pub(crate) fn analysis<'c>(ctx: &'c CheckContext<'_>) -> &'c [BucketAccess] {
    ctx.memo
        .state_access
        .get_or_init(|| analyse(ctx.inventory, ctx.settings))
}

/// A team's scope in a bucket, with the keys to evaluate.
struct Scope {
    team: TeamScope,
    keys: Vec<String>,
}

fn scopes(settings: &Settings, keys: &[StateObject]) -> Vec<Scope> {
    let mut out: Vec<Scope> = Vec::new();
    let under = |prefix: &str| -> Vec<String> {
        keys.iter()
            .filter(|k| k.key.starts_with(prefix))
            .map(|k| k.key.clone())
            .collect()
    };
    if !settings.s3.teams.is_empty() {
        for t in &settings.s3.teams {
            for p in &t.prefixes {
                let ks = under(p);
                out.push(Scope {
                    team: TeamScope {
                        team: t.name.clone(),
                        prefix: p.clone(),
                        source: "config".into(),
                        keys: ks.len(),
                    },
                    keys: ks,
                });
            }
        }
    } else if let Some((before, after)) = settings.s3.team_layout.split_once("{team}") {
        let mut seen: BTreeMap<String, String> = BTreeMap::new();
        for k in keys {
            let Some(rest) = k.key.strip_prefix(before) else {
                continue;
            };
            let end = if after.is_empty() {
                rest.find('/')
            } else {
                rest.find(after)
            };
            if let Some(i) = end.filter(|i| *i > 0) {
                let team = &rest[..i];
                seen.entry(team.to_owned())
                    .or_insert_with(|| format!("{before}{team}{after}"));
            }
        }
        for (team, prefix) in seen {
            let ks = under(&prefix);
            out.push(Scope {
                team: TeamScope {
                    team,
                    prefix,
                    source: "layout".into(),
                    keys: ks.len(),
                },
                keys: ks,
            });
        }
    }
    for s in &mut out {
        s.keys.truncate(MAX_KEYS_PER_TEAM);
        if s.keys.is_empty() {
            // No state yet: a key Terraform would write there.
            s.keys.push(format!("{}terraform.tfstate", s.team.prefix));
        }
    }
    out
}

/// A policy with its name for evidence.
#[derive(Clone)]
struct Resolved {
    name: String,
    doc: Arc<PolicyDocument>,
}

impl Resolved {
    fn named(&self) -> Named<'_> {
        Named::new(&self.name, &self.doc)
    }
}

struct Principal {
    arn: String,
    kind: &'static str,
    name: String,
    tags: BTreeMap<String, String>,
    policies: Result<(Vec<Resolved>, Option<Resolved>), String>,
}

struct Loader<'i> {
    iam: &'i IamAccount,
    managed: HashMap<String, Result<Arc<PolicyDocument>, String>>,
}

impl Loader<'_> {
    /// A managed policy, read and parsed once per audit.
    fn managed(&mut self, arn: &str, name: String) -> Result<Resolved, String> {
        let doc = match self.managed.get(arn) {
            Some(r) => r.clone(),
            None => {
                let r = crate::iam::managed_document(self.iam, arn).map(Arc::new);
                self.managed.insert(arn.to_owned(), r.clone());
                r
            }
        }?;
        Ok(Resolved { name, doc })
    }

    /// `inline`: each policy with its owner (`role/x`, `user/x`, `group/x`).
    fn load(
        &mut self,
        inline: &[(String, &InlinePolicy)],
        attached: &[&String],
        boundary: Option<&String>,
    ) -> Result<(Vec<Resolved>, Option<Resolved>), String> {
        let mut identity = Vec::new();
        for (owner, p) in inline {
            let name = format!("{owner} inline policy {}", p.name);
            let doc = PolicyDocument::parse(&p.document).map_err(|e| format!("{name}: {e}"))?;
            identity.push(Resolved {
                name,
                doc: Arc::new(doc),
            });
        }
        for arn in attached {
            identity.push(self.managed(arn, (*arn).clone())?);
        }
        let boundary = match boundary {
            Some(arn) => Some(self.managed(arn, format!("boundary {arn}"))?),
            None => None,
        };
        Ok((identity, boundary))
    }
}

/// Every role (but service-linked ones) and user, with resolved policies; and the reasons
/// whole kinds could not be read.
fn principals(iam: &IamAccount) -> (Vec<Principal>, Vec<Undecided>) {
    let mut loader = Loader {
        iam,
        managed: HashMap::new(),
    };
    let mut out = Vec::new();
    let mut undecided = Vec::new();
    match iam.roles.get() {
        Err(gap) => undecided.push(("role/*".into(), "role", "*".into(), gap.to_string())),
        Ok(roles) => {
            for r in roles
                .iter()
                .filter(|r| !r.path.starts_with("/aws-service-role/"))
            {
                let owner = format!("role/{}", r.role_name);
                let inline: Vec<(String, &InlinePolicy)> = r
                    .inline_policies
                    .iter()
                    .map(|p| (owner.clone(), p))
                    .collect();
                let attached: Vec<&String> = r.attached_policies.iter().collect();
                out.push(Principal {
                    arn: r.arn.clone(),
                    kind: "role",
                    name: r.role_name.clone(),
                    tags: r.tags.clone(),
                    policies: loader.load(&inline, &attached, r.permissions_boundary.as_ref()),
                });
            }
        }
    }
    match iam.users.get() {
        Err(gap) => undecided.push(("user/*".into(), "user", "*".into(), gap.to_string())),
        Ok(users) => {
            for u in users {
                let mine = iam.groups_of(u).map_err(|gap| gap.to_string());
                let policies = mine.and_then(|mine| {
                    let owner = format!("user/{}", u.user_name);
                    let inline: Vec<(String, &InlinePolicy)> = u
                        .inline_policies
                        .iter()
                        .map(|p| (owner.clone(), p))
                        .chain(mine.iter().flat_map(|g| {
                            g.inline_policies
                                .iter()
                                .map(|p| (format!("group/{}", g.group_name), p))
                        }))
                        .collect();
                    let attached: Vec<&String> = u
                        .attached_policies
                        .iter()
                        .chain(mine.iter().flat_map(|g| &g.attached_policies))
                        .collect();
                    loader.load(&inline, &attached, u.permissions_boundary.as_ref())
                });
                out.push(Principal {
                    arn: u.arn.clone(),
                    kind: "user",
                    name: u.user_name.clone(),
                    tags: u.tags.clone(),
                    policies,
                });
            }
        }
    }
    (out, undecided)
}

fn membership(settings: &Settings, p: &Principal) -> Membership {
    let s = &settings.s3;
    if let Some(pat) = s
        .state_admins
        .iter()
        .find(|pat| filter_matches(pat, &p.arn))
    {
        return Membership::Admin(format!("checks.s3.state_admins {pat}"));
    }
    if p.kind == "role" && settings.break_glass_roles.contains(&p.name) {
        return Membership::Admin("checks.iam.break_glass_roles".into());
    }
    let teams: Vec<String> = s
        .teams
        .iter()
        .filter(|t| t.principals.iter().any(|pat| filter_matches(pat, &p.arn)))
        .map(|t| t.name.clone())
        .collect();
    if !teams.is_empty() {
        return Membership::Teams(teams, "config".into());
    }
    match p.tags.get(&s.team_tag) {
        Some(team) if !team.is_empty() => {
            Membership::Teams(vec![team.clone()], format!("tag {}={team}", s.team_tag))
        }
        _ => Membership::Unknown,
    }
}

/// Whether any Allow statement of `docs` could grant one of the object actions: a cheap
/// test that spares the engine principals with no S3 permission at all.
fn may_grant_objects<'a>(docs: impl IntoIterator<Item = &'a PolicyDocument>) -> bool {
    docs.into_iter().any(|d| {
        d.statements().iter().filter(|s| s.allow).any(|s| {
            !s.not_action.is_empty()
                || s.action.iter().any(|a| {
                    let a = a.to_ascii_lowercase();
                    ACTIONS
                        .iter()
                        .any(|(act, _)| filter_matches(&a, &act.to_ascii_lowercase()))
                        || (a.contains('?') && a.starts_with("s3:"))
                })
        })
    })
}

fn context(inv: &Inventory, p: &Principal) -> Context {
    principal_context(
        inv,
        Subject {
            arn: &p.arn,
            kind: p.kind,
            name: &p.name,
            tags: &p.tags,
        },
    )
}

fn analyse(inv: &Inventory, settings: &Settings) -> Vec<BucketAccess> {
    let Some(buckets) = inv.s3.as_ref().and_then(|s| s.buckets.get().ok()) else {
        return Vec::new();
    };
    let loaded = inv.iam.as_ref().map(principals);
    buckets
        .iter()
        .enumerate()
        .map(|(i, b)| analyse_bucket(inv, settings, i, b, loaded.as_ref()))
        .collect()
}

fn analyse_bucket(
    inv: &Inventory,
    settings: &Settings,
    bucket_index: usize,
    b: &Bucket,
    loaded: Option<&(Vec<Principal>, Vec<Undecided>)>,
) -> BucketAccess {
    let mut out = BucketAccess {
        bucket_index,
        not_assessed: None,
        teams: Vec::new(),
        principals_evaluated: 0,
        principals: Vec::new(),
        undecided: Vec::new(),
    };
    let keys = match b.state.get() {
        Ok(k) => k,
        Err(gap) => {
            out.not_assessed = Some(Err(gap.clone()));
            return out;
        }
    };
    let scopes = scopes(settings, &keys.keys);
    out.teams = scopes.iter().map(|s| s.team.clone()).collect();
    if scopes.is_empty() {
        out.not_assessed = Some(Ok(format!(
            "no team prefixes: no key matches the layout `{}` and no team is configured \
             (checks.s3.teams)",
            settings.s3.team_layout
        )));
        return out;
    }
    let policy = match b.policy.get() {
        Err(gap) => {
            out.not_assessed = Some(Err(gap.clone()));
            return out;
        }
        Ok(None) => None,
        Ok(Some(text)) => match PolicyDocument::parse(text).map_err(|e| e.to_string()) {
            Ok(d) => Some(Resolved {
                name: format!("bucket policy of {}", b.name),
                doc: Arc::new(d),
            }),
            Err(e) => {
                out.not_assessed = Some(Ok(format!("the bucket policy: {e}")));
                return out;
            }
        },
    };
    let Some((principals, undecided)) = loaded else {
        out.not_assessed = Some(Ok("IAM was not collected".into()));
        return out;
    };
    out.undecided = undecided.clone();
    let bucket_allows = policy
        .as_ref()
        .is_some_and(|r| r.doc.statements().iter().any(|s| s.allow));
    let actions: Vec<(Action, Give)> = ACTIONS
        .iter()
        .filter_map(|(a, give)| Action::new(a).map(|a| (a, *give)))
        .collect();

    for p in principals {
        let (identity, boundary) = match &p.policies {
            Ok(x) => x,
            Err(why) => {
                out.undecided
                    .push((p.arn.clone(), p.kind, p.name.clone(), why.clone()));
                continue;
            }
        };
        out.principals_evaluated += 1;
        if !bucket_allows && !may_grant_objects(identity.iter().map(|r| &*r.doc)) {
            continue;
        }
        let set = PolicySet {
            identity: identity.iter().map(Resolved::named).collect(),
            boundary: boundary.as_ref().map(Resolved::named),
            resource: policy.as_ref().map(Resolved::named),
        };
        let ctx = context(inv, p);
        // One plan per action: the principal's statements for it, conditions decided and
        // variables resolved once; each key is then a matter of resource elements.
        let plans: Vec<(Plan<'_>, Give)> = actions
            .iter()
            .map(|(action, give)| (Plan::new(&set, Some(&p.arn), action, &ctx), *give))
            .collect();
        let mut reach: BTreeMap<String, TeamReach> = BTreeMap::new();
        for s in &scopes {
            for (plan, give) in &plans {
                for key in &s.keys {
                    let resource = format!("{}/{key}", b.arn);
                    if plan.decide(&resource, None) != Decision::Allow {
                        continue;
                    }
                    let e = plan.evaluate(&resource, None);
                    let r = reach.entry(s.team.team.clone()).or_default();
                    r.prefix.clone_from(&s.team.prefix);
                    give(&mut r.access);
                    if r.key.is_empty() {
                        r.key.clone_from(key);
                    }
                    for g in &e.granted_by {
                        let label = format!("{} {}", g.policy, g.statement);
                        if !r.granted_by.contains(&label) {
                            r.granted_by.push(label);
                        }
                    }
                    for a in &e.assumed {
                        let n = crate::iam::assumption_note(a);
                        if !r.assumed.contains(&n) {
                            r.assumed.push(n);
                        }
                    }
                    break;
                }
            }
        }
        if !reach.is_empty() {
            out.principals.push(PrincipalAccess {
                arn: p.arn.clone(),
                kind: p.kind,
                name: p.name.clone(),
                membership: membership(settings, p),
                reach,
            });
        }
    }
    out
}
