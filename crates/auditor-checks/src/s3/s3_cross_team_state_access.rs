//! S3-008: a principal can read or write another team's Terraform state.

use super::access::{analysis, Membership, PrincipalAccess, Verdict};
use crate::{declare_check, Check, CheckContext, Emitter};
use auditor_model::s3::Bucket;
use auditor_model::Evidence;
use std::collections::{BTreeMap, HashMap};
use std::rc::Rc;
use std::sync::Arc;

declare_check! {
    /// ## What it checks
    /// For every state bucket, who can `s3:GetObject`, `s3:GetObjectVersion`,
    /// `s3:PutObject` or `s3:DeleteObject` each team's state. `s3:GetObjectVersion` reads
    /// every past version of a state file: in a versioned bucket it is the quieter way to
    /// another team's secrets, and a grant of it alone (no `GetObject`) fails too.
    ///
    /// `s3:ListBucket` is decided separately, with `s3:prefix` set to each team's prefix:
    /// a principal that can list another team's keys sees which of its states exist (not
    /// what they hold). Where it cannot also read them, that is named in its evidence,
    /// whatever its verdict, and does not make it fail; a principal that can only list gets
    /// a passing finding that says so. Teams own key prefixes: those of `checks.s3.teams`, or else one
    /// per `{team}` in the key layout `checks.s3.team_layout` (`services/{team}/`). Every
    /// role (but service-linked ones) and user is evaluated with the policy engine against
    /// the team's state keys (up to 50 per team): its inline and attached policies (a
    /// user's with its groups'), its permission boundary, and the bucket policy, with
    /// explicit denies winning, `NotAction`/`NotResource`, wildcards and policy variables
    /// as AWS applies them.
    ///
    /// A principal's team comes from `checks.s3.teams.<team>.principals` (ARN patterns), or
    /// else its tag `checks.s3.team_tag` (`team`). It fails when it reaches a team that is
    /// not its own; when its team is unknown, when it reaches more than one team. The
    /// evidence names the principal, the team prefix, a key it reaches, what it can do
    /// there, and the statements that grant it; one finding per principal covers every
    /// state bucket, with one line per team, access and grant, naming the buckets where it
    /// holds (the first five, and how many more). Principals in `checks.s3.state_admins`
    /// (and `checks.iam.break_glass_roles`) pass as expected access. A principal of
    /// unknown team that reaches one team is not assessed: say which team it is. The
    /// report's access matrix shows every principal × team.
    ///
    /// The request is evaluated with TLS and what is known of the principal (ARN, account,
    /// type, user name, tags). Conditions on anything else (source IP, VPC endpoint,
    /// request headers) are taken in the requester's favour: an Allow's are met, a Deny's
    /// avoided; the evidence lists each assumption. Service control policies, session
    /// policies, KMS key policies and object ACLs are not evaluated.
    ///
    /// ## Why it matters
    /// The Terraform state threat model's central threat: developers must not reach the Terraform states of other
    /// teams. State holds secrets in plain text, so read access to another team's state is
    /// access to its databases and keys; write access lets one team change what another
    /// team's next apply does. No other scanner checks this.
    ///
    /// ## Remediation
    /// Scope each team's deployer to its own prefix, as the Terraform state threat model shows:
    /// `"Resource": "arn:aws:s3:::<bucket>/services/<team>/*"` (not `arn:aws:s3:::<bucket>/*`
    /// or `s3:*` on `*`), and remove bucket-policy grants that span teams. A Deny per
    /// prefix in the bucket policy (`"NotPrincipal"` or `StringNotLike aws:PrincipalArn`)
    /// fences a team's state whatever identity policies say. Name pipelines such as
    /// Atlantis in `checks.s3.state_admins`.
    ///
    /// ## References
    /// - https://developer.hashicorp.com/terraform/language/backend/s3#multi-account-aws-architecture
    /// - https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html
    /// - https://docs.aws.amazon.com/AmazonS3/latest/userguide/example-bucket-policies.html
    pub(crate) struct CrossTeamStateAccess {
        code: "S3-008",
        name: "s3-cross-team-state-access",
        title: "A principal can read or write another team's Terraform state",
        service: S3,
        severity: High,
        wa: ["SEC03-BP01", "SEC03-BP02", "SEC08-BP04"],
        reads: [
            "s3:ListAllMyBuckets",
            "s3:GetBucketLocation",
            "s3:ListBucket",
            "s3:GetBucketPolicy",
            "iam:GetAccountAuthorizationDetails",
            "iam:GetPolicy",
            "organizations:DescribeOrganization",
            "iam:GetPolicyVersion",
        ],
    }
}

/// Buckets named in one evidence line, at most; the rest are counted.
const BUCKETS_NAMED: usize = 5;

/// One evidence line in the making: what a principal can do of one team and why, the
/// first key found, and the buckets where it holds (the first few named, all counted).
/// Its texts are the check's shared copies and its buckets indexes: a large account has
/// tens of thousands of these alive until the findings are written.
struct Line {
    observed: Arc<str>,
    reason: Arc<str>,
    key: Option<Arc<str>>,
    /// The first bucket (index into the inventory's buckets) and the ones named.
    named: Vec<usize>,
    buckets: usize,
}

/// What a principal can do of one team and why, as evidence says it.
struct Text {
    observed: Arc<str>,
    reason: Arc<str>,
    /// The first key found.
    key: Option<Arc<str>>,
}

/// The evidence texts of a reach for a reason, made once per (reach, reason) in a bucket:
/// the principals of one class share their reach there, so a large account formats each
/// text once per class and bucket, not once per principal. The memo is emptied at each
/// bucket (a reach is one bucket's); the strings are kept once for the whole check, so that
/// lines can tell them apart by address.
#[derive(Default)]
struct Texts {
    memo: HashMap<(usize, String, Vec<String>), Rc<Vec<Text>>>,
    strings: crate::emit::Interner,
}

impl Texts {
    fn of(&mut self, p: PrincipalAccess<'_>, teams: &[&String], why: String) -> Rc<Vec<Text>> {
        // The teams too: the reason names them joined, which two lists may share.
        let k = (
            Arc::as_ptr(p.reach) as usize,
            why,
            teams.iter().map(|t| (*t).clone()).collect(),
        );
        if let Some(v) = self.memo.get(&k) {
            return v.clone();
        }
        let texts: Vec<Text> = teams
            .iter()
            .filter_map(|t| p.reach.get(t).map(|r| (t, r)))
            .map(|(team, r)| {
                let mut reason = format!("{}; granted by {}", k.1, r.granted_by.join("; "));
                if !r.assumed.is_empty() {
                    reason.push_str(&format!("; {}", r.assumed.join("; ")));
                }
                let observed = format!(
                    "{} of the state of team {team} ({})",
                    r.access.label(),
                    r.prefix
                );
                Text {
                    observed: self.strings.string(observed),
                    reason: self.strings.string(reason),
                    key: r.key.clone(),
                }
            })
            .collect();
        let v = Rc::new(texts);
        self.memo.insert(k, v.clone());
        v
    }
}

/// One line per (access, team, reason) however many buckets it holds in: a principal that
/// reaches a team in 200 buckets costs one line, not 200 (nor 200 lines kept until the end).
/// Lines are told apart by what they say (the first key aside: a line keeps the first).
#[derive(Default)]
struct Lines {
    lines: Vec<Line>,
    /// (observed, reason) by address → its line.
    at: HashMap<(usize, usize), usize>,
}

impl Lines {
    fn add(&mut self, bucket: usize, texts: &[Text]) {
        for t in texts {
            let k = (
                Arc::as_ptr(&t.observed).cast::<u8>() as usize,
                Arc::as_ptr(&t.reason).cast::<u8>() as usize,
            );
            match self.at.get(&k) {
                Some(&i) => {
                    let l = &mut self.lines[i];
                    l.buckets += 1;
                    if l.named.len() < BUCKETS_NAMED {
                        l.named.push(bucket);
                    }
                }
                None => {
                    self.at.insert(k, self.lines.len());
                    self.lines.push(Line {
                        observed: t.observed.clone(),
                        reason: t.reason.clone(),
                        key: t.key.clone(),
                        named: vec![bucket],
                        buckets: 1,
                    });
                }
            }
        }
    }

    fn is_empty(&self) -> bool {
        self.lines.is_empty()
    }

    /// The evidence: `read of the state of team crm (services/crm/) in 3 state buckets:
    /// a, b, c` when it holds in more than one.
    fn evidence(self, buckets: &[Bucket]) -> Vec<Evidence> {
        let name = |i: usize| buckets.get(i).map_or("", |b| b.name.as_str());
        self.lines
            .into_iter()
            .map(|l| {
                let observed: Arc<str> = if l.buckets > 1 {
                    let more = l.buckets - l.named.len();
                    format!(
                        "{} in {} state buckets: {}{}",
                        l.observed,
                        l.buckets,
                        l.named
                            .iter()
                            .map(|&i| name(i))
                            .collect::<Vec<_>>()
                            .join(", "),
                        if more > 0 {
                            format!(" and {more} more")
                        } else {
                            String::new()
                        }
                    )
                    .into()
                } else {
                    l.observed.clone()
                };
                Evidence {
                    field: format!(
                        "arn:aws:s3:::{}/{}",
                        l.named.first().map_or("", |&i| name(i)),
                        l.key.as_deref().unwrap_or_default()
                    )
                    .into(),
                    observed,
                    reason: l.reason,
                }
            })
            .collect()
    }
}

/// One principal's findings across every state bucket, merged into one verdict.
#[derive(Default)]
struct Merged {
    kind: &'static str,
    name: String,
    fails: Lines,
    passes: Lines,
    undecided: Vec<String>,
    listing: Listing,
}

/// The prefixes of other teams a principal can list, across buckets: reported beside the
/// verdict, not in it.
#[derive(Default)]
struct Listing {
    /// (team, prefix), in order.
    teams: std::collections::BTreeSet<(String, String)>,
    /// The first buckets (indexes), and how many in all.
    named: Vec<usize>,
    buckets: usize,
}

impl Listing {
    fn add(&mut self, bucket: usize, teams: &[&auditor_model::s3::TeamScope]) {
        for t in teams {
            self.teams.insert((t.team.clone(), t.prefix.clone()));
        }
        self.buckets += 1;
        if self.named.len() < BUCKETS_NAMED {
            self.named.push(bucket);
        }
    }

    /// One evidence line, or none.
    fn evidence(&self, buckets: &[Bucket]) -> Option<Evidence> {
        if self.teams.is_empty() {
            return None;
        }
        let names: Vec<&str> = self
            .named
            .iter()
            .filter_map(|&i| buckets.get(i).map(|b| b.name.as_str()))
            .collect();
        let more = self.buckets.saturating_sub(names.len());
        let teams: Vec<&str> = self.teams.iter().map(|(t, _)| t.as_str()).collect();
        Some(crate::emit::ev(
            "s3:ListBucket",
            format!(
                "lists the state keys of team{} {}, which it cannot read, in {} state bucket{}: {}{}",
                if teams.len() == 1 { "" } else { "s" },
                teams.join(", "),
                self.buckets,
                if self.buckets == 1 { "" } else { "s" },
                names.join(", "),
                if more > 0 {
                    format!(" and {more} more")
                } else {
                    String::new()
                }
            ),
            "sees which of their states exist, not what they hold (beside the verdict, not in it)",
        ))
    }
}

impl Check for CrossTeamStateAccess {
    fn run(&self, ctx: &CheckContext<'_>, out: &mut Emitter<'_>) {
        let Some(buckets) = super::buckets(ctx, out) else {
            return;
        };
        // One finding per principal, whatever the number of buckets it reaches.
        let mut by_principal: BTreeMap<String, Merged> = BTreeMap::new();
        let mut texts = Texts::default();
        let all = analysis(ctx);
        for a in &all.buckets {
            let Some(b) = buckets.get(a.bucket_index) else {
                continue;
            };
            match &a.not_assessed {
                Some(Err(gap)) => {
                    out.not_assessed(super::bucket_resource(ctx, b), gap);
                    continue;
                }
                Some(Ok(why)) => {
                    out.not_assessed_because(super::bucket_resource(ctx, b), why.clone());
                    continue;
                }
                None => {}
            }
            texts.memo.clear();
            for (arn, kind, name, why) in &a.undecided {
                let m = by_principal.entry(arn.clone()).or_default();
                (m.kind, m.name) = (kind, name.clone());
                m.undecided.push(format!("bucket {}: {why}", b.name));
            }
            let here = all.principals(a);
            // Listing says something only of the teams whose state it cannot read here.
            let reads: HashMap<&str, Vec<&String>> = here
                .iter()
                .map(|p| (p.arn, p.reach.keys().collect()))
                .collect();
            for (who, mut teams) in all.listing(a) {
                if let Some(read) = reads.get(who.arn.as_str()) {
                    teams.retain(|t| !read.contains(&&t.team));
                }
                if teams.is_empty() {
                    continue;
                }
                if !by_principal.contains_key(&who.arn) {
                    by_principal.insert(who.arn.clone(), Merged::default());
                }
                if let Some(m) = by_principal.get_mut(&who.arn) {
                    if m.name.is_empty() {
                        (m.kind, m.name) = (who.kind, who.name.clone());
                    }
                    m.listing.add(a.bucket_index, &teams);
                }
            }
            for p in here {
                if !by_principal.contains_key(p.arn) {
                    by_principal.insert(p.arn.to_owned(), Merged::default());
                }
                let Some(m) = by_principal.get_mut(p.arn) else {
                    continue;
                };
                if m.name.is_empty() {
                    (m.kind, m.name) = (p.kind, p.name.to_string());
                }
                let reached: Vec<&String> = p.reach.keys().collect();
                match (p.verdict(), p.membership) {
                    (Verdict::CrossTeam, Membership::Teams(own, source)) => {
                        let t = texts.of(
                            p,
                            &p.foreign(),
                            format!(
                                "the principal belongs to team {} ({source})",
                                own.join(", ")
                            ),
                        );
                        m.fails.add(a.bucket_index, &t);
                    }
                    (Verdict::CrossTeam, _) => {
                        let t = texts.of(
                            p,
                            &reached,
                            format!(
                                "its team is unknown and it reaches the state of {} teams; a principal belongs to one",
                                reached.len()
                            ),
                        );
                        m.fails.add(a.bucket_index, &t);
                    }
                    (Verdict::Expected, Membership::Admin(why)) => {
                        let t = texts.of(p, &reached, format!("expected: {why}"));
                        m.passes.add(a.bucket_index, &t);
                    }
                    (Verdict::Expected, Membership::Teams(own, source)) => {
                        let t = texts.of(
                            p,
                            &reached,
                            format!("its own team: {} ({source})", own.join(", ")),
                        );
                        m.passes.add(a.bucket_index, &t);
                    }
                    _ => {
                        m.undecided.push(format!(
                        "bucket {}: reaches only the state of team {}, and its team is not known: \
                         list it under checks.s3.teams.<team>.principals or tag it {}=<team>",
                        b.name,
                        reached.iter().map(|t| t.as_str()).collect::<Vec<_>>().join(", "),
                        ctx.settings.s3.team_tag
                    ))
                    }
                }
            }
        }
        for (arn, m) in by_principal {
            let res = crate::iam::resource(ctx, &arn, m.kind, &m.name);
            let listing = m.listing.evidence(buckets);
            if !m.fails.is_empty() {
                let mut e = m.fails.evidence(buckets);
                e.extend(listing);
                e.push(crate::emit::unevaluated(true));
                out.fail(res, e);
            } else if !m.undecided.is_empty() {
                out.not_assessed_because(res, m.undecided.join("; "));
            } else if !m.passes.is_empty() {
                let mut e = m.passes.evidence(buckets);
                e.extend(listing);
                out.pass(res, e);
            } else if let Some(l) = listing {
                out.pass(
                    res,
                    vec![
                        crate::emit::ev(
                            "state objects",
                            "reaches no team's state objects",
                            "no s3:GetObject, s3:GetObjectVersion, s3:PutObject or s3:DeleteObject on any team's state",
                        ),
                        l,
                    ],
                );
            }
        }
    }
}
