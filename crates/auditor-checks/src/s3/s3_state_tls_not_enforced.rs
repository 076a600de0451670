//! S3-004: a state bucket's policy does not refuse requests without TLS.

use crate::emit::ev;
use crate::{declare_check, Check, CheckContext, Emitter};
use auditor_policy::{
    evaluate, Action, Context, Decision, Named, PolicyDocument, PolicySet, Request,
};

declare_check! {
    /// ## What it checks
    /// The bucket policy of every Terraform state bucket, with the policy engine: a
    /// `GetObject` and a `PutObject` of a state key by a principal of the account, sent
    /// over plain HTTP (`aws:SecureTransport` = `false`), must be explicitly denied. The
    /// usual statement is `Deny` `s3:*` to `*` on the bucket and its objects when
    /// `Bool aws:SecureTransport false`. It fails when there is no policy or the policy
    /// does not deny both; a policy that does not parse is not assessed.
    ///
    /// ## Why it matters
    /// A state file read over HTTP carries its secrets across the network in the clear,
    /// and one written over HTTP can be altered in flight. S3 accepts HTTP unless the
    /// bucket policy refuses it.
    ///
    /// ## Remediation
    /// Add to the bucket policy:
    /// `{"Sid":"DenyInsecureTransport","Effect":"Deny","Principal":"*","Action":"s3:*",
    /// "Resource":["arn:aws:s3:::<bucket>","arn:aws:s3:::<bucket>/*"],
    /// "Condition":{"Bool":{"aws:SecureTransport":"false"}}}`.
    ///
    /// ## References
    /// - https://docs.aws.amazon.com/AmazonS3/latest/userguide/security-best-practices.html
    /// - https://repost.aws/knowledge-center/s3-bucket-policy-for-config-rule
    pub(crate) struct TlsNotEnforced {
        code: "S3-004",
        name: "s3-state-tls-not-enforced",
        title: "Terraform state bucket policy does not deny requests without TLS",
        service: S3,
        severity: Medium,
        wa: ["SEC09-BP02"],
        fsbp: ["S3.5"],
        reads: [
            "s3:ListAllMyBuckets",
            "s3:GetBucketLocation",
            "s3:GetBucketPolicy", "s3:ListBucket",
        ],
    }
}

impl Check for TlsNotEnforced {
    fn run(&self, ctx: &CheckContext<'_>, out: &mut Emitter<'_>) {
        let inv = ctx.inventory;
        let without = || {
            Err(ev(
                "Policy",
                "none",
                "no bucket policy, so nothing refuses plain-HTTP requests",
            ))
        };
        super::for_each_policy(ctx, out, without, |b, text, res, out| {
            let doc = match PolicyDocument::parse(text) {
                Ok(d) => d,
                Err(e) => return out.not_assessed_because(res, format!("Policy: {e}")),
            };
            let key = b
                .state
                .get()
                .ok()
                .and_then(|s| s.keys.first())
                .map_or("terraform.tfstate", |k| k.key.as_str());
            let name = format!("bucket policy of {}", b.name);
            let set = PolicySet {
                resource: Some(Named::new(&name, &doc)),
                ..PolicySet::default()
            };
            let principal = format!(
                "arn:{}:iam::{}:role/any-principal",
                inv.partition, inv.account_id
            );
            // A plain-HTTP request by a principal of the account that the bucket policy
            // would otherwise let in: only an explicit Deny refuses it.
            let context = Context::new()
                .with("aws:SecureTransport", false)
                .with("aws:PrincipalArn", principal.as_str())
                .with("aws:PrincipalAccount", inv.account_id.as_str())
                .with("aws:PrincipalType", "AssumedRole");
            let resource = format!("{}/{key}", b.arn);
            let mut denied = Vec::new();
            let mut open = Vec::new();
            for action in ["s3:GetObject", "s3:PutObject"] {
                let Some(act) = Action::new(action) else {
                    continue;
                };
                let e = evaluate(&set, &Request::new(&principal, &act, &resource, &context));
                if e.decision == Decision::ExplicitDeny {
                    for s in e.denied_by {
                        if !denied.contains(&s.statement) {
                            denied.push(s.statement);
                        }
                    }
                } else {
                    open.push(action);
                }
            }
            if !open.is_empty() {
                out.fail(
                    res,
                    vec![ev(
                        "Policy",
                        format!("{} over HTTP not denied", open.join(", ")),
                        "no Deny on aws:SecureTransport = false covers the state objects",
                    )],
                );
            } else if !denied.is_empty() {
                out.pass(
                    res,
                    vec![ev(
                        format!("Policy.{}", denied.join(", Policy.")),
                        "Deny when aws:SecureTransport is false",
                        "state is only read and written over TLS",
                    )],
                );
            }
        });
    }
}
