//! Resource policies judged by who outside can get in (S3-005, ECR-004): the policy
//! engine's answer ([`auditor_policy::reach`]) turned into evidence. Outsiders are
//! principals of any account but the audited and the trusted ones (whether named or let in
//! by `*`), and anonymous callers where the service takes them.

use crate::emit::ev;
use crate::principals::inside;
use crate::CheckContext;
use auditor_model::Evidence;
use auditor_policy::reach::{reach, Outsiders, Question, Reach, Target};
use auditor_policy::PolicyDocument;

/// What a check asks of a resource policy.
pub(crate) struct Ask<'a> {
    /// The element evidence names, e.g. `Policy` or `repositoryPolicy`.
    pub(crate) field: &'a str,
    /// The resources requests act on, with their actions.
    pub(crate) targets: &'a [Target<'a>],
    /// Accounts that count as inside.
    pub(crate) trusted: &'a [String],
    /// Whether anonymous requests can reach the resource.
    pub(crate) anonymous: bool,
    /// Why a request that gets in is a failure.
    pub(crate) fail_reason: &'a str,
}

/// `Ok(Ok(evidence))` passes, `Ok(Err(evidence))` fails, `Err(reason)` when the policy is
/// not a policy document or who gets in could not be decided (the finding is "not
/// assessed").
pub(crate) fn judge(
    ctx: &CheckContext<'_>,
    text: &str,
    ask: &Ask<'_>,
) -> Result<Result<Vec<Evidence>, Vec<Evidence>>, String> {
    let doc = PolicyDocument::parse(text).map_err(|e| e.to_string())?;
    let q = Question {
        who: Outsiders::OtherAccounts,
        targets: ask.targets,
        anonymous: ask.anonymous,
        ..Question::default()
    };
    let field = ask.field;
    Ok(match reach(&doc, &q, &inside(ctx.inventory, ask.trusted)) {
        Reach::Open(w) => {
            let observed = format!("allows {}", w.describe());
            let mut e: Vec<Evidence> = if w.granted_by.is_empty() {
                vec![ev(field, observed, ask.fail_reason)]
            } else {
                w.granted_by
                    .iter()
                    .map(|s| ev(format!("{field}.{s}"), observed.clone(), ask.fail_reason))
                    .collect()
            };
            e.push(crate::emit::unevaluated(false));
            Err(e)
        }
        Reach::Closed {
            stopped_by,
            assumed,
        } => Ok(stopped_by
            .into_iter()
            .map(|s| ev(field, s, "no request an outsider can make is allowed"))
            .chain(
                assumed
                    .into_iter()
                    .map(|a| ev(field, a, "taken as given, not read from AWS")),
            )
            .collect()),
        Reach::Nobody => Ok(vec![ev(
            field,
            "no Allow statement names another account's principals or anonymous callers for these resources",
            "access stays within the account and its trusted accounts",
        )]),
        Reach::Undecided(why) => return Err(why),
    })
}
