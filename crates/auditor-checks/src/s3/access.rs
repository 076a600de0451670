//! Who can read and write which team's Terraform state: the analysis behind S3-008 and the
//! report's access matrix.
//!
//! For every state bucket, the teams are its key prefixes (from config, or from the key
//! layout `services/{team}/`). For every role (but service-linked ones) and user of the
//! account, the policy engine decides `s3:GetObject`, `s3:GetObjectVersion` (every past
//! version of a state, in a versioned bucket), `s3:PutObject` and `s3:DeleteObject` on the
//! team's state keys, with the principal's identity policies (a user's with its
//! groups'), its permission boundary and the bucket policy. The request carries what is
//! known of the principal (`aws:PrincipalArn`, `aws:PrincipalAccount`, `aws:PrincipalType`,
//! `aws:username`, `aws:PrincipalTag/*`, its organisation when known) and TLS
//! (`aws:SecureTransport` = `true`), built by `principals::principal_context`. Conditions
//! on any other key are taken in the requester's favour (`Context::assume_unknown`): an
//! Allow's are met, a Deny's avoidable. The evidence names each such assumption.
//!
//! The analysis is computed once per audit (see `Memo`) and shared by S3-008 and the
//! report.

use crate::principals::{listing_context, principal_context, Subject};
use crate::{CheckContext, Settings};
use auditor_model::ecr::filter_matches;
use auditor_model::iam::{IamAccount, InlinePolicy};
use auditor_model::s3::{
    Access, AccessRow, Bucket, NotAssessedPrincipal, RowGrouper, StateAccess, StateAccessMatrix,
    StateObject, TeamScope,
};
use auditor_model::{Gap, Inventory};
use auditor_policy::{
    decide, Action, Context, Decision, Named, Plan, PolicyDocument, PolicySet, Request,
    StatementView,
};
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

/// State keys evaluated per team, at most (the first in key order).
pub(crate) const MAX_KEYS_PER_TEAM: usize = 50;

/// Marks what an action gives in an [`Access`].
type Give = fn(&mut Access);

/// A principal that could not be decided: (ARN or `role/*`, kind, name, reason).
pub(crate) type Undecided = (String, &'static str, String, String);

/// The object actions evaluated, with what they give.
const ACTIONS: [(&str, Give); 4] = [
    ("s3:GetObject", |a| a.read = true),
    ("s3:GetObjectVersion", |a| a.read_versions = true),
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
    pub(crate) prefix: Arc<str>,
    /// Read, write, delete.
    pub(crate) access: Access,
    /// The first key found reachable.
    pub(crate) key: Option<Arc<str>>,
    /// The statements that grant it, `policy Statement[...]`.
    pub(crate) granted_by: Vec<Arc<str>>,
    /// Conditions assumed met (or Denies assumed avoided) on the way.
    pub(crate) assumed: Vec<Arc<str>>,
}

/// What one principal reaches per team, in team order. A sorted vector, not a map: there
/// are hundreds of thousands of these on a large account, mostly of one or two teams, and a
/// B-tree allocates room for eleven.
#[derive(Debug, Clone, Default)]
pub(crate) struct Reach(Vec<(String, TeamReach)>);

impl Reach {
    pub(crate) fn keys(&self) -> impl Iterator<Item = &String> {
        self.0.iter().map(|(t, _)| t)
    }

    pub(crate) fn get(&self, team: &str) -> Option<&TeamReach> {
        self.0.iter().find(|(t, _)| t == team).map(|(_, r)| r)
    }

    pub(crate) fn iter(&self) -> impl Iterator<Item = (&String, &TeamReach)> {
        self.0.iter().map(|(t, r)| (t, r))
    }

    pub(crate) fn len(&self) -> usize {
        self.0.len()
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The team's entry, made empty if it has none.
    fn entry(&mut self, team: &str) -> &mut TeamReach {
        let i = match self.0.binary_search_by(|(t, _)| t.as_str().cmp(team)) {
            Ok(i) => i,
            Err(i) => {
                self.0.insert(i, (team.to_owned(), TeamReach::default()));
                i
            }
        };
        &mut self.0[i].1
    }
}

/// Who a decided principal is: the same in every bucket, kept once.
#[derive(Debug)]
pub(crate) struct Member {
    pub(crate) arn: String,
    pub(crate) kind: &'static str,
    pub(crate) name: String,
    pub(crate) membership: Membership,
}

/// One principal's result for one bucket: who it is, and what its class reaches there.
#[derive(Debug, Clone, Copy)]
pub(crate) struct PrincipalAccess<'a> {
    pub(crate) arn: &'a str,
    pub(crate) kind: &'static str,
    pub(crate) name: &'a str,
    pub(crate) membership: &'a Membership,
    /// Per team it reaches (shared by every principal of its class, see `ClassKey`).
    pub(crate) reach: &'a Arc<Reach>,
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

impl<'a> PrincipalAccess<'a> {
    /// The teams it reaches that are not its own.
    pub(crate) fn foreign(&self) -> Vec<&'a String> {
        match self.membership {
            Membership::Admin(_) => Vec::new(),
            Membership::Teams(own, _) => self.reach.keys().filter(|t| !own.contains(t)).collect(),
            Membership::Unknown if self.reach.len() > 1 => self.reach.keys().collect(),
            Membership::Unknown => Vec::new(),
        }
    }

    pub(crate) fn verdict(&self) -> Verdict {
        if !self.foreign().is_empty() {
            Verdict::CrossTeam
        } else if *self.membership == Membership::Unknown {
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
    /// The classes (index into [`Analysis::classes`]) that reach any team, with what they
    /// reach: one entry per class, however many principals it has.
    reached: Vec<(u32, Arc<Reach>)>,
    /// Principals that could not be decided.
    pub(crate) undecided: Vec<Undecided>,
    /// Who can list the keys under a team's prefix that is not its own (`s3:ListBucket`
    /// with that `s3:prefix`): which states exist there, not what they hold. Per listing
    /// class (index into [`Analysis::list_classes`]), the teams (indexes into `teams`).
    listing: Vec<(u32, Arc<[u16]>)>,
}

/// The analysis of every state bucket. What a class of principals reaches is kept once
/// per bucket, and who the principals are once per account: its size grows with classes
/// × buckets, not principals × buckets.
#[derive(Debug, Default)]
pub(crate) struct Analysis {
    pub(crate) buckets: Vec<BucketAccess>,
    /// The account's principals, in order (index = the analysis' principal index).
    members: Vec<Member>,
    /// Each class's decided principals (indexes into `members`, ascending).
    classes: Vec<Vec<u32>>,
    /// Each listing class's principals (indexes into `members`, ascending): principals
    /// whose listing is decided once for all of them.
    list_classes: Vec<Vec<u32>>,
}

/// Per-class entries (class index, value) spelled out per member of each class, in the
/// account's order.
fn by_member<'a, T>(classes: &'a [Vec<u32>], entries: &'a [(u32, T)]) -> Vec<(u32, &'a T)> {
    let mut at: Vec<(u32, &T)> = entries
        .iter()
        .flat_map(|(class, v)| {
            classes
                .get(*class as usize)
                .into_iter()
                .flatten()
                .map(move |m| (*m, v))
        })
        .collect();
    at.sort_unstable_by_key(|(m, _)| *m);
    at
}

impl Analysis {
    /// A bucket's principals that reach any team, in the account's order.
    pub(crate) fn principals<'a>(&'a self, b: &'a BucketAccess) -> Vec<PrincipalAccess<'a>> {
        by_member(&self.classes, &b.reached)
            .into_iter()
            .filter_map(|(m, reach)| {
                let who = self.members.get(m as usize)?;
                Some(PrincipalAccess {
                    arn: &who.arn,
                    kind: who.kind,
                    name: &who.name,
                    membership: &who.membership,
                    reach,
                })
            })
            .collect()
    }

    /// A bucket's principals that can list the keys of teams not their own, in the
    /// account's order: who they are, and those teams.
    pub(crate) fn listing<'a>(
        &'a self,
        b: &'a BucketAccess,
    ) -> impl Iterator<Item = (&'a Member, Vec<&'a TeamScope>)> + 'a {
        by_member(&self.list_classes, &b.listing)
            .into_iter()
            .filter_map(move |(m, teams)| {
                let who = self.members.get(m as usize)?;
                Some((
                    who,
                    teams
                        .iter()
                        .filter_map(|t| b.teams.get(*t as usize))
                        .collect(),
                ))
            })
    }

    /// The report's matrix of one bucket.
    pub(crate) fn matrix(&self, a: &BucketAccess, b: &Bucket) -> StateAccessMatrix {
        StateAccessMatrix {
            bucket: b.name.clone(),
            region: b.region.clone(),
            teams: a.teams.clone(),
            principals_evaluated: a.principals_evaluated,
            rows: self
                .principals(a)
                .into_iter()
                .map(|p| AccessRow {
                    principal: p.arn.to_owned(),
                    teams: match p.membership {
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
                    group: None,
                })
                .collect(),
            not_assessed: a
                .undecided
                .iter()
                .map(|(arn, _, _, reason)| NotAssessedPrincipal {
                    principal: arn.clone(),
                    reason: reason.clone(),
                })
                .collect(),
            not_assessed_reason: a.not_assessed.as_ref().map(|r| match r {
                Ok(why) => why.clone(),
                Err(gap) => gap.to_string(),
            }),
        }
    }
}

/// The matrices of every state bucket of the inventory, rows of principals with the same
/// access grouped (bucket by bucket, as each is built).
pub(crate) fn matrices(ctx: &CheckContext<'_>) -> StateAccess {
    let Some(buckets) = ctx.inventory.s3.as_ref().and_then(|s| s.buckets.get().ok()) else {
        return StateAccess::default();
    };
    let mut grouper = RowGrouper::default();
    let all = analysis(ctx);
    let matrices = all
        .buckets
        .iter()
        .filter_map(|a| buckets.get(a.bucket_index).map(|b| all.matrix(a, b)))
        .map(|mut m| {
            grouper.fold(&mut m);
            m
        })
        .collect();
    StateAccess {
        matrices,
        groups: grouper.finish(),
    }
}

/// The analysis, computed on first use and kept for the rest of the audit.
pub(crate) fn analysis<'c>(ctx: &'c CheckContext<'_>) -> &'c Analysis {
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
        d.statements()
            .iter()
            .filter(|s| s.allow)
            .any(acts_on_objects)
    })
}

/// Whether a statement's actions may include one of the object actions decided. A
/// statement whose view lists no action either way is taken as acting on them: an empty
/// `NotAction` applies to every action.
fn acts_on_objects(s: &StatementView) -> bool {
    (s.action.is_empty() && s.not_action.is_empty())
        || !s.not_action.is_empty()
        || s.action.iter().any(|a| {
            let a = a.to_ascii_lowercase();
            ACTIONS
                .iter()
                .any(|(act, _)| filter_matches(&a, &act.to_ascii_lowercase()))
                || (a.contains('?') && a.starts_with("s3:"))
        })
}

/// The object ARNs of every bucket analysed, lowercase and sorted: what a statement's
/// resource must be able to match for the statement to matter here.
struct Objects(Vec<String>);

impl Objects {
    fn new(targets: &[(usize, Target)]) -> Objects {
        let mut all: Vec<String> = targets
            .iter()
            .flat_map(|(_, t)| t.resources.iter().flatten())
            .map(|r| r.to_ascii_lowercase())
            .collect();
        all.sort();
        all.dedup();
        Objects(all)
    }

    /// Whether `pattern` may match one of the objects. Conservative: a pattern matches
    /// only texts that start with its literal part (up to its first wildcard), whatever
    /// the case, so one whose literal part starts no object matches none; a pattern with a
    /// policy variable may match anything.
    fn may_match(&self, pattern: &str) -> bool {
        let p = pattern.to_ascii_lowercase();
        if p.contains("${") {
            return true;
        }
        let lit = &p[..p.find(['*', '?']).unwrap_or(p.len())];
        let i = self.0.partition_point(|o| o.as_str() < lit);
        self.0.get(i).is_some_and(|o| o.starts_with(lit))
    }
}

/// What makes two principals' decisions on every state object the same: the statements
/// that can act on one (by document, position and name: the name is in the evidence),
/// in order, their permission boundary, their kind, and whether they may grant at all.
/// Only principals whose statements that matter have no condition and no policy
/// variable get one (their context cannot change a decision); the others are decided on
/// their own.
#[derive(Debug, PartialEq, Eq, Hash)]
struct ClassKey {
    kind: &'static str,
    grants: bool,
    statements: Vec<(usize, usize, String)>,
    boundary: Option<usize>,
}

fn class_key(p: &Principal, objects: &Objects) -> Option<ClassKey> {
    let (identity, boundary) = p.policies.as_ref().ok()?;
    let mut statements = Vec::new();
    for r in identity {
        for st in r.doc.statements() {
            let touches = acts_on_objects(st)
                && (!st.not_resource.is_empty()
                    || st.resource.is_empty()
                    || st.resource.iter().any(|x| objects.may_match(x)));
            if !touches {
                continue;
            }
            if context_sensitive(st) {
                return None;
            }
            statements.push((Arc::as_ptr(&r.doc) as usize, st.index, r.name.clone()));
        }
    }
    let boundary = match boundary {
        Some(b) if b.doc.statements().iter().any(context_sensitive) => return None,
        Some(b) => Some(Arc::as_ptr(&b.doc) as usize),
        None => None,
    };
    Some(ClassKey {
        kind: p.kind,
        grants: may_grant_objects(identity.iter().map(|r| &*r.doc)),
        statements,
        boundary,
    })
}

/// Whether a statement's outcome may depend on who asks: a condition, or a policy
/// variable in its resources.
fn context_sensitive(st: &StatementView) -> bool {
    !st.conditions.is_empty()
        || st
            .resource
            .iter()
            .chain(&st.not_resource)
            .any(|r| r.contains("${"))
}

/// Whether a bucket policy may decide differently for two principals of the account: a
/// principal other than everyone, or a condition on anything but the transport, the
/// network or the request itself (`s3:` keys), or a policy variable anywhere (a condition's
/// value too: `${aws:PrincipalTag/x}` is each principal's own).
fn principal_sensitive(doc: &PolicyDocument) -> bool {
    const SAME_FOR_ALL: [&str; 4] = [
        "aws:securetransport",
        "aws:sourceip",
        "aws:sourcevpce",
        "aws:sourcevpc",
    ];
    doc.statements().iter().any(|st| {
        st.not_principal.is_some()
            || st.principal.as_ref().is_some_and(|p| !p.is_everyone())
            || st.conditions.iter().any(|c| {
                let k = c.key.to_ascii_lowercase();
                !(SAME_FOR_ALL.contains(&k.as_str()) || k.starts_with("s3:"))
                    || c.values.iter().any(|v| v.contains("${"))
            })
            || st
                .resource
                .iter()
                .chain(&st.not_resource)
                .any(|r| r.contains("${"))
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

/// A bucket ready for the principals: its teams' keys as resource ARNs and its policy.
struct Target {
    /// The bucket's ARN (what `s3:ListBucket` acts on).
    bucket_arn: String,
    scopes: Vec<Scope>,
    /// Per scope, its prefix and keys, shared by every principal's reach.
    shared: Vec<(Arc<str>, Vec<Arc<str>>)>,
    /// Per scope, its keys' object ARNs (built once, not per principal).
    resources: Vec<Vec<String>>,
    policy: Option<Resolved>,
    /// Whether the bucket policy has an Allow (then every principal is evaluated).
    allows: bool,
}

/// What one principal (and its class) reaches, per bucket (index into the buckets), or why
/// it could not be decided.
type Outcome = Result<Vec<(usize, Arc<Reach>)>, String>;

fn analyse(inv: &Inventory, settings: &Settings) -> Analysis {
    analyse_with(inv, settings, true)
}

/// [`analyse`], with principals of the same class decided once (`grouping`) or each on
/// its own (the reference the tests compare with).
fn analyse_with(inv: &Inventory, settings: &Settings, grouping: bool) -> Analysis {
    let Some(buckets) = inv.s3.as_ref().and_then(|s| s.buckets.get().ok()) else {
        return Analysis::default();
    };
    let loaded = inv.iam.as_ref().map(principals);
    let mut out = Vec::with_capacity(buckets.len());
    let mut targets: Vec<(usize, Target)> = Vec::new();
    for (i, b) in buckets.iter().enumerate() {
        let (access, target) = prepare_bucket(settings, i, b, loaded.as_ref());
        out.push(access);
        if let Some(t) = target {
            targets.push((i, t));
        }
    }
    let finished = |buckets| Analysis {
        buckets,
        ..Analysis::default()
    };
    let Some((principals, _)) = loaded.as_ref() else {
        return finished(out);
    };
    if targets.is_empty() {
        return finished(out);
    }
    // Principals whose decisions must be the same (`ClassKey`) are decided once, by the
    // first of them: the analysis costs the account's distinct policy sets, not its
    // principals times its buckets. A bucket policy that may tell principals apart turns
    // this off.
    let grouping = grouping
        && !targets.iter().any(|(_, t)| {
            t.policy
                .as_ref()
                .is_some_and(|r| principal_sensitive(&r.doc))
        });
    let objects = Objects::new(&targets);
    let mut firsts: HashMap<ClassKey, usize> = HashMap::new();
    let class_of: Vec<usize> = principals
        .iter()
        .enumerate()
        .map(|(i, p)| match class_key(p, &objects).filter(|_| grouping) {
            Some(k) => *firsts.entry(k).or_insert(i),
            None => i,
        })
        .collect();
    let todo: Vec<usize> = (0..principals.len())
        .filter(|&i| class_of[i] == i)
        .collect();
    // Each class is independent of the others: decided on every core, in chunks of
    // consecutive classes, then gathered in order.
    let workers = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .clamp(1, 8);
    let decided: Vec<Outcome> = in_parallel(&todo, workers, |i| {
        analyse_principal(inv, &principals[i], &targets)
    });
    let classes = members_of(&todo, class_of.iter().map(|&first| Some(first)));
    let mut failed: Vec<(u32, String)> = Vec::new();
    for (n, outcome) in decided.into_iter().enumerate() {
        let members = &classes[n];
        match outcome {
            Err(why) => failed.extend(members.iter().map(|&m| (m, why.clone()))),
            Ok(reached) => {
                for (b, _) in &targets {
                    out[*b].principals_evaluated += members.len();
                }
                for (b, reach) in reached {
                    out[b].reached.push((n as u32, reach));
                }
            }
        }
    }
    // Principals that could not be decided, in the account's order.
    failed.sort_unstable_by_key(|(m, _)| *m);
    for (b, _) in &targets {
        for (m, why) in &failed {
            let p = &principals[*m as usize];
            out[*b]
                .undecided
                .push((p.arn.clone(), p.kind, p.name.clone(), why.clone()));
        }
    }
    let members: Vec<Member> = principals
        .iter()
        .map(|p| Member {
            arn: p.arn.clone(),
            kind: p.kind,
            name: p.name.clone(),
            membership: membership(settings, p),
        })
        .collect();
    let (list_classes, listed) = listing(inv, principals, &members, &targets, (workers, grouping));
    for (class, per_bucket) in listed.into_iter().enumerate() {
        for (b, teams) in per_bucket {
            out[b].listing.push((class as u32, teams));
        }
    }
    for b in &mut out {
        b.reached.shrink_to_fit();
        b.listing.shrink_to_fit();
    }
    Analysis {
        buckets: out,
        members,
        classes,
        list_classes,
    }
}

/// `f` of each of `todo`, in order, decided on `workers` threads in chunks of consecutive
/// items (each independent of the others).
fn in_parallel<T: Send>(todo: &[usize], workers: usize, f: impl Fn(usize) -> T + Sync) -> Vec<T> {
    let chunk = todo.len().div_ceil(workers.max(1)).max(1);
    let f = &f;
    std::thread::scope(|scope| {
        let handles: Vec<_> = todo
            .chunks(chunk)
            .map(|part| scope.spawn(move || part.iter().map(|&i| f(i)).collect::<Vec<_>>()))
            .collect();
        handles
            .into_iter()
            .flat_map(|h| match h.join() {
                Ok(v) => v,
                Err(panic) => std::panic::resume_unwind(panic),
            })
            .collect()
    })
}

/// Each class's members in the account's order: `firsts` are the classes' first members
/// (a class is numbered by its position there), `class_of` each principal's class by its
/// first member (`None`: in no class).
fn members_of(firsts: &[usize], class_of: impl Iterator<Item = Option<usize>>) -> Vec<Vec<u32>> {
    let number: HashMap<usize, usize> = firsts.iter().enumerate().map(|(n, &f)| (f, n)).collect();
    let mut classes: Vec<Vec<u32>> = vec![Vec::new(); firsts.len()];
    for (i, first) in class_of.enumerate() {
        if let Some(members) = first
            .and_then(|f| number.get(&f))
            .and_then(|&n| classes.get_mut(n))
        {
            members.push(i as u32);
        }
    }
    classes
}

/// Whether a statement may allow `s3:ListBucket` on one of the state buckets (`arns`:
/// their ARNs, lowercase and sorted). Conservative, as [`acts_on_objects`] is.
fn may_list(s: &StatementView, arns: &Objects) -> bool {
    s.allow && touches_list(s, arns)
}

/// Whether a statement, Allow or Deny, may act on `s3:ListBucket` of a state bucket.
fn touches_list(s: &StatementView, arns: &Objects) -> bool {
    let acts = (s.action.is_empty() && s.not_action.is_empty())
        || !s.not_action.is_empty()
        || s.action.iter().any(|a| {
            let a = a.to_ascii_lowercase();
            filter_matches(&a, "s3:listbucket") || (a.contains('?') && a.starts_with("s3:"))
        });
    acts && (!s.not_resource.is_empty()
        || s.resource.is_empty()
        || s.resource.iter().any(|r| arns.may_match(r)))
}

/// What makes two principals' listings the same: the statements that may allow
/// `s3:ListBucket` on a state bucket (by document and position), their boundary, their kind
/// and their own teams. Only principals whose such statements depend on nothing of theirs
/// (conditions only on `s3:prefix`, the one key a listing sets, and no policy variable) get
/// one; the others are decided alone.
#[derive(Debug, PartialEq, Eq, Hash)]
struct ListKey {
    kind: &'static str,
    own: Vec<String>,
    statements: Vec<(usize, usize)>,
    boundary: Option<usize>,
}

fn list_key(p: &Principal, own: &[String], arns: &Objects) -> Option<ListKey> {
    let (identity, boundary) = p.policies.as_ref().ok()?;
    let same_for_all = |st: &StatementView| {
        st.conditions.iter().all(|c| {
            c.key.eq_ignore_ascii_case("s3:prefix") && !c.values.iter().any(|v| v.contains("${"))
        }) && !st
            .resource
            .iter()
            .chain(&st.not_resource)
            .any(|r| r.contains("${"))
    };
    let mut statements = Vec::new();
    for r in identity {
        // Denies too: two principals whose Allows agree but whose Denies differ list
        // differently.
        for st in r
            .doc
            .statements()
            .iter()
            .filter(|st| touches_list(st, arns))
        {
            if !same_for_all(st) {
                return None;
            }
            statements.push((Arc::as_ptr(&r.doc) as usize, st.index));
        }
    }
    let boundary = match boundary {
        Some(b) if !b.doc.statements().iter().all(same_for_all) => return None,
        Some(b) => Some(Arc::as_ptr(&b.doc) as usize),
        None => None,
    };
    let mut own = own.to_vec();
    own.sort();
    Some(ListKey {
        kind: p.kind,
        own,
        statements,
        boundary,
    })
}

/// Per bucket (index into the inventory's buckets), the teams not their own whose keys the
/// principals of each listing class can list: `s3:ListBucket` on the bucket with
/// `s3:prefix` set to the team's prefix, decided with the identity policies, the boundary
/// and the bucket policy. Principals whose listing cannot differ ([`ListKey`]) are decided
/// once, by the first of them; only classes whose policies (or the bucket's) may allow a
/// listing are decided; state admins list by right and are not asked. Returns the classes'
/// members and each class's buckets.
#[allow(clippy::type_complexity)]
fn listing(
    inv: &Inventory,
    principals: &[Principal],
    members: &[Member],
    targets: &[(usize, Target)],
    (workers, grouping): (usize, bool),
) -> (Vec<Vec<u32>>, Vec<Vec<(usize, Arc<[u16]>)>>) {
    let Some(action) = Action::new("s3:ListBucket") else {
        return (Vec::new(), Vec::new());
    };
    let mut arns: Vec<String> = targets
        .iter()
        .map(|(_, t)| t.bucket_arn.to_ascii_lowercase())
        .collect();
    arns.sort();
    arns.dedup();
    let arns = Objects(arns);
    let bucket_lists: Vec<bool> = targets
        .iter()
        .map(|(_, t)| {
            t.policy
                .as_ref()
                .is_some_and(|r| r.doc.statements().iter().any(|s| may_list(s, &arns)))
        })
        .collect();
    let any_bucket_lists = bucket_lists.iter().any(|&b| b);
    // A bucket policy that may tell principals apart turns grouping off, as for objects.
    let grouping = grouping
        && !targets.iter().any(|(_, t)| {
            t.policy
                .as_ref()
                .is_some_and(|r| principal_sensitive(&r.doc))
        });
    // The principals to decide, by class: admins list by right, principals whose
    // policies could not be read are reported as such, and principals that no policy may
    // let list are left out.
    let mut firsts: HashMap<ListKey, usize> = HashMap::new();
    let mut class_of: Vec<Option<usize>> = vec![None; principals.len()];
    for (i, (p, m)) in principals.iter().zip(members).enumerate() {
        let own: &[String] = match &m.membership {
            Membership::Admin(_) => continue,
            Membership::Teams(t, _) => t,
            Membership::Unknown => &[],
        };
        let Ok((identity, _)) = &p.policies else {
            continue;
        };
        let grants = identity
            .iter()
            .any(|r| r.doc.statements().iter().any(|s| may_list(s, &arns)));
        if !grants && !any_bucket_lists {
            continue;
        }
        class_of[i] = Some(match list_key(p, own, &arns).filter(|_| grouping) {
            Some(k) => *firsts.entry(k).or_insert(i),
            None => i,
        });
    }
    let todo: Vec<usize> = (0..principals.len())
        .filter(|&i| class_of[i] == Some(i))
        .collect();
    let one = |i: usize| -> Vec<(usize, Arc<[u16]>)> {
        let (Some(p), Some(m)) = (principals.get(i), members.get(i)) else {
            return Vec::new();
        };
        let own: &[String] = match &m.membership {
            Membership::Teams(t, _) => t,
            _ => &[],
        };
        let Ok((identity, boundary)) = &p.policies else {
            return Vec::new();
        };
        let grants = identity
            .iter()
            .any(|r| r.doc.statements().iter().any(|s| may_list(s, &arns)));
        let who = Subject {
            arn: &p.arn,
            kind: p.kind,
            name: &p.name,
            tags: &p.tags,
        };
        let mut out = Vec::new();
        for ((b, t), policy_lists) in targets.iter().zip(&bucket_lists) {
            if !grants && !policy_lists {
                continue;
            }
            let set = PolicySet {
                identity: identity.iter().map(Resolved::named).collect(),
                boundary: boundary.as_ref().map(Resolved::named),
                resource: t.policy.as_ref().map(Resolved::named),
            };
            let teams: Vec<u16> = t
                .scopes
                .iter()
                .enumerate()
                .filter(|(_, s)| !own.contains(&s.team.team))
                .filter(|(_, s)| {
                    let ctx = listing_context(inv, who, &s.team.prefix);
                    decide(&set, &Request::new(&p.arn, &action, &t.bucket_arn, &ctx))
                        == Decision::Allow
                })
                .filter_map(|(i, _)| u16::try_from(i).ok())
                .collect();
            if !teams.is_empty() {
                out.push((*b, Arc::from(teams)));
            }
        }
        out
    };
    let decided = in_parallel(&todo, workers, one);
    // Classes that list nothing are dropped.
    let classes = members_of(&todo, class_of.iter().copied());
    let mut kept_classes = Vec::new();
    let mut kept = Vec::new();
    for (members, buckets) in classes.into_iter().zip(decided) {
        if !buckets.is_empty() {
            kept_classes.push(members);
            kept.push(buckets);
        }
    }
    (kept_classes, kept)
}

/// A bucket's analysis before the principals: what it cannot be analysed for, or its
/// target.
fn prepare_bucket(
    settings: &Settings,
    bucket_index: usize,
    b: &Bucket,
    loaded: Option<&(Vec<Principal>, Vec<Undecided>)>,
) -> (BucketAccess, Option<Target>) {
    let mut out = BucketAccess {
        bucket_index,
        not_assessed: None,
        teams: Vec::new(),
        principals_evaluated: 0,
        reached: Vec::new(),
        undecided: Vec::new(),
        listing: Vec::new(),
    };
    let keys = match b.state.get() {
        Ok(k) => k,
        Err(gap) => {
            out.not_assessed = Some(Err(gap.clone()));
            return (out, None);
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
        return (out, None);
    }
    let policy = match b.policy.get() {
        Err(gap) => {
            out.not_assessed = Some(Err(gap.clone()));
            return (out, None);
        }
        Ok(None) => None,
        Ok(Some(text)) => match PolicyDocument::parse(text).map_err(|e| e.to_string()) {
            Ok(d) => Some(Resolved {
                name: format!("bucket policy of {}", b.name),
                doc: Arc::new(d),
            }),
            Err(e) => {
                out.not_assessed = Some(Ok(format!("the bucket policy: {e}")));
                return (out, None);
            }
        },
    };
    let Some((_, undecided)) = loaded else {
        out.not_assessed = Some(Ok("IAM was not collected".into()));
        return (out, None);
    };
    out.undecided = undecided.clone();
    let allows = policy
        .as_ref()
        .is_some_and(|r| r.doc.statements().iter().any(|s| s.allow));
    let resources = scopes
        .iter()
        .map(|s| s.keys.iter().map(|k| format!("{}/{k}", b.arn)).collect())
        .collect();
    let shared = scopes
        .iter()
        .map(|s| {
            (
                Arc::from(s.team.prefix.as_str()),
                s.keys.iter().map(|k| Arc::from(k.as_str())).collect(),
            )
        })
        .collect();
    (
        out,
        Some(Target {
            bucket_arn: b.arn.clone(),
            scopes,
            shared,
            resources,
            policy,
            allows,
        }),
    )
}

/// One principal against every bucket. Its plans (one per action: the statements that can
/// apply, conditions decided and variables resolved once) depend on the bucket only
/// through the bucket policy, so buckets without one share the same plans; each key is
/// then a matter of resource elements.
fn analyse_principal(inv: &Inventory, p: &Principal, targets: &[(usize, Target)]) -> Outcome {
    let (identity, boundary) = p.policies.as_ref().map_err(Clone::clone)?;
    let grants = may_grant_objects(identity.iter().map(|r| &*r.doc));
    if !grants && !targets.iter().any(|(_, t)| t.allows) {
        return Ok(Vec::new());
    }
    let actions: Vec<(Action, Give)> = ACTIONS
        .iter()
        .filter_map(|(a, give)| Action::new(a).map(|a| (a, *give)))
        .collect();
    let ctx = context(inv, p);
    let mut unpoliced: Option<Vec<(Plan<'_>, Give)>> = None;
    // The same statements grant in bucket after bucket: one copy of each label.
    let mut labels = crate::emit::Interner::default();
    let mut out = Vec::new();
    for (i, t) in targets {
        if !t.allows && !grants {
            continue;
        }
        let own;
        let plans = match &t.policy {
            None => unpoliced.get_or_insert_with(|| {
                plans(identity, boundary.as_ref(), None, &p.arn, &actions, &ctx)
            }),
            Some(policy) => {
                own = plans(
                    identity,
                    boundary.as_ref(),
                    Some(policy),
                    &p.arn,
                    &actions,
                    &ctx,
                );
                &own
            }
        };
        let reach = reach_of(t, plans, &mut labels);
        if !reach.is_empty() {
            out.push((*i, Arc::new(reach)));
        }
    }
    Ok(out)
}

/// One plan per action for a principal's policies and, when the bucket has one, its
/// bucket policy.
fn plans<'a>(
    identity: &'a [Resolved],
    boundary: Option<&'a Resolved>,
    policy: Option<&'a Resolved>,
    arn: &'a str,
    actions: &'a [(Action, Give)],
    ctx: &'a Context,
) -> Vec<(Plan<'a>, Give)> {
    let set = PolicySet {
        identity: identity.iter().map(Resolved::named).collect(),
        boundary: boundary.map(Resolved::named),
        resource: policy.map(Resolved::named),
    };
    actions
        .iter()
        .map(|(action, give)| (Plan::new(&set, Some(arn), action, ctx), *give))
        .collect()
}

/// What the plans reach of each team of a bucket: per team and action, the first key
/// allowed, with the statements that grant it and the conditions assumed.
fn reach_of(t: &Target, plans: &[(Plan<'_>, Give)], labels: &mut crate::emit::Interner) -> Reach {
    let mut intern = |text: String| labels.string(text);
    let mut reach = Reach::default();
    for ((s, resources), (prefix, keys)) in t.scopes.iter().zip(&t.resources).zip(&t.shared) {
        for (plan, give) in plans {
            for (key, resource) in keys.iter().zip(resources) {
                if plan.decide(resource, None) != Decision::Allow {
                    continue;
                }
                let e = plan.evaluate(resource, None);
                let r = reach.entry(&s.team.team);
                r.prefix.clone_from(prefix);
                give(&mut r.access);
                if r.key.is_none() {
                    r.key = Some(key.clone());
                }
                for g in &e.granted_by {
                    let label = intern(format!("{} {}", g.policy, g.statement));
                    if !r.granted_by.contains(&label) {
                        r.granted_by.push(label);
                    }
                }
                for a in &e.assumed {
                    let n = intern(crate::iam::assumption_note(a));
                    if !r.assumed.contains(&n) {
                        r.assumed.push(n);
                    }
                }
                break;
            }
        }
    }
    // Hundreds of thousands of these live until the report: no spare capacity (a vector's
    // first allocation holds four).
    reach.0.shrink_to_fit();
    for (_, r) in &mut reach.0 {
        r.granted_by.shrink_to_fit();
        r.assumed.shrink_to_fit();
    }
    reach
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    /// The S3-008 fixture's accounts, as written, and grown: every role three times and
    /// the bucket policies removed, so that classes of several principals form.
    fn accounts() -> Vec<(Inventory, Settings)> {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/S3-008.json");
        let f: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        let mut r = crate::config::Reader::default();
        let today = time::OffsetDateTime::now_utc().date();
        let (settings, _) = crate::config::read(f.get("settings"), None, today, &mut r);
        assert!(r.problems.is_empty(), "{:?}", r.problems);
        let mut out = Vec::new();
        for case in f["cases"].as_array().unwrap() {
            let inv = case["inventory"].clone();
            out.push((
                serde_json::from_value(inv.clone()).unwrap(),
                settings.clone(),
            ));
            let mut grown = inv;
            let roles = grown["iam"]["roles"].as_array().unwrap().clone();
            let mut all = roles.clone();
            for k in 1..3 {
                for role in &roles {
                    let mut copy = role.clone();
                    let name = format!("{}-copy{k}", role["role_name"].as_str().unwrap());
                    let arn = role["arn"]
                        .as_str()
                        .unwrap()
                        .replace(role["role_name"].as_str().unwrap(), &name);
                    copy["role_name"] = name.into();
                    copy["arn"] = arn.into();
                    all.push(copy);
                }
            }
            // The third copy of each role belongs to another team: same class, other
            // membership.
            for role in all.iter_mut().skip(2 * roles.len()) {
                role["tags"]["team"] = "payments".into();
            }
            grown["iam"]["roles"] = all.into();
            let mut tls = grown.clone();
            for b in grown["s3"]["buckets"].as_array_mut().unwrap() {
                b["policy"] = serde_json::Value::Null;
            }
            out.push((serde_json::from_value(grown).unwrap(), settings.clone()));
            // Bucket policies that cannot tell principals apart keep classes on.
            for b in tls["s3"]["buckets"].as_array_mut().unwrap() {
                let name = b["name"].as_str().unwrap_or_default().to_owned();
                b["policy"] = serde_json::json!({
                    "Version": "2012-10-17",
                    "Statement": [{
                        "Effect": "Deny", "Principal": "*", "Action": "s3:*",
                        "Resource": [format!("arn:aws:s3:::{name}"), format!("arn:aws:s3:::{name}/*")],
                        "Condition": {"Bool": {"aws:SecureTransport": "false"}}
                    }]
                })
                .to_string()
                .into();
            }
            out.push((serde_json::from_value(tls).unwrap(), settings.clone()));
        }
        out
    }

    #[test]
    fn principals_decided_by_their_class_get_their_own_answers() {
        let mut grouped_somewhere = false;
        let mut grouped_somewhere_listing = false;
        // Every bucket's analysis with its principals spelled out, as S3-008 and the
        // matrices read them.
        let expanded = |a: &Analysis| -> Vec<String> {
            a.buckets
                .iter()
                .map(|b| {
                    format!(
                        "{} {:?} {:?} {} {:?} {:?} {:?}",
                        b.bucket_index,
                        b.not_assessed,
                        b.teams,
                        b.principals_evaluated,
                        b.undecided,
                        a.principals(b),
                        a.listing(b)
                            .map(|(m, t)| (m.arn.clone(), t))
                            .collect::<Vec<_>>()
                    )
                })
                .collect()
        };
        for (inv, settings) in accounts() {
            let grouped = analyse_with(&inv, &settings, true);
            let alone = analyse_with(&inv, &settings, false);
            assert_eq!(expanded(&grouped), expanded(&alone));
            assert!(alone.classes.iter().all(|c| c.len() == 1));
            assert!(alone.list_classes.iter().all(|c| c.len() == 1));
            // Someone lists another team's keys in the fixture (crm-lister), and its
            // listing class has its copies.
            grouped_somewhere_listing |= grouped.list_classes.iter().any(|c| c.len() > 1);
            // The grown accounts do share: a class decided once serves several principals,
            // and is kept once per bucket.
            grouped_somewhere |= grouped.buckets.iter().any(|b| {
                b.reached
                    .iter()
                    .any(|(c, _)| grouped.classes[*c as usize].len() > 1)
            });
        }
        assert!(grouped_somewhere, "no class of several principals formed");
        assert!(
            grouped_somewhere_listing,
            "no listing class of several principals formed"
        );
    }

    #[test]
    fn statements_and_bucket_policies_that_may_tell_principals_apart_are_seen() {
        let doc = |text: &str| PolicyDocument::parse(text).unwrap();
        let tls = doc(
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":"*","Action":"s3:*","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":"false"}}}]}"#,
        );
        assert!(!principal_sensitive(&tls));
        for sensitive in [
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":"*","Action":"s3:*","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":"${aws:PrincipalTag/tls}"}}}]}"#,
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:role/x"},"Action":"s3:GetObject","Resource":"*"}]}"#,
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":"*","Action":"s3:*","Resource":"*","Condition":{"StringNotEquals":{"aws:PrincipalTag/team":"crm"}}}]}"#,
        ] {
            assert!(principal_sensitive(&doc(sensitive)), "{sensitive}");
        }
        let empty = doc(
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","NotAction":[],"Resource":"*"}]}"#,
        );
        assert!(
            empty.statements().iter().all(acts_on_objects),
            "an empty NotAction applies to every action"
        );
    }

    #[test]
    fn a_statement_matters_when_its_resource_may_match_a_state_object() {
        let objects = Objects(
            [
                "arn:aws:s3:::tf/services/crm/a.tfstate",
                "arn:aws:s3:::tf/services/fraud/b.tfstate",
            ]
            .map(str::to_owned)
            .to_vec(),
        );
        for yes in [
            "*",
            "arn:aws:s3:::tf/*",
            "arn:aws:s3:::TF/services/crm/*",
            "arn:aws:s3:::t?/services/*",
            "arn:aws:s3:::tf/services/fraud/b.tfstate",
            "arn:aws:s3:::${aws:username}/*",
        ] {
            assert!(objects.may_match(yes), "{yes}");
        }
        for no in [
            "arn:aws:s3:::data/*",
            "arn:aws:s3:::tf/services/payments/*",
            "arn:aws:s3:us-east-1::tf/*",
            "arn:aws:dynamodb:*:*:table/locks",
        ] {
            assert!(!objects.may_match(no), "{no}");
        }
    }
}
