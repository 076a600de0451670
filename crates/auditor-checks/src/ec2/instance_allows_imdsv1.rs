//! EC2-008: an instance allows IMDSv1.

use crate::emit::ev;
use crate::{declare_check, Check, CheckContext, Emitter};
use auditor_model::ec2::name_tag;

declare_check! {
    /// ## What it checks
    /// Every instance that is not terminated. It fails when the instance metadata service
    /// is enabled and `HttpTokens` is `optional`, which allows IMDSv1 requests; it passes
    /// when tokens are `required` (IMDSv2 only) or the endpoint is disabled.
    ///
    /// ## Why it matters
    /// IMDSv1 answers any plain GET, so a server-side request forgery in any application
    /// on the host (or a pod on an EKS node) can read the instance role's credentials.
    /// IMDSv2's session tokens defeat that class of attack. The Amazon EKS security checklist asks to block pods
    /// from the node's metadata.
    ///
    /// ## Remediation
    /// Require tokens: `aws ec2 modify-instance-metadata-options --region <region> --instance-id <instance>
    /// --http-tokens required`. Make it the default for new instances in the launch
    /// template (`MetadataOptions.HttpTokens = required`) or account-wide with
    /// `aws ec2 modify-instance-metadata-defaults --http-tokens required`.
    ///
    /// ## References
    /// - https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/configuring-IMDS-existing-instances.html
    /// - https://docs.aws.amazon.com/securityhub/latest/userguide/ec2-controls.html#ec2-8
    pub(crate) struct InstanceAllowsImdsv1 {
        code: "EC2-008",
        name: "instance-allows-imdsv1",
        title: "Instance allows IMDSv1 (metadata without session tokens)",
        service: Ec2,
        severity: High,
        wa: ["SEC06-BP02"],
        fsbp: ["EC2.8"],
        reads: ["ec2:DescribeInstances"],
    }
}

impl Check for InstanceAllowsImdsv1 {
    fn run(&self, ctx: &CheckContext<'_>, out: &mut Emitter<'_>) {
        let inv = ctx.inventory;
        super::for_each(
            ctx,
            out,
            "instance",
            |r| &r.instances,
            |region, _, i, out| {
                let res =
                    super::resource(inv, region, "instance", &i.instance_id, name_tag(&i.tags));
                let Some(md) = &i.metadata_options else {
                    return out.not_assessed_because(
                        res,
                        "DescribeInstances returned no MetadataOptions for this instance",
                    );
                };
                let endpoint = md.http_endpoint.as_deref().unwrap_or("enabled");
                let tokens = md.http_tokens.as_deref().unwrap_or("optional");
                if endpoint.eq_ignore_ascii_case("disabled") {
                    out.pass(
                        res,
                        vec![ev(
                            "MetadataOptions.HttpEndpoint",
                            "disabled",
                            "the metadata service is off",
                        )],
                    );
                } else if tokens.eq_ignore_ascii_case("required") {
                    out.pass(
                        res,
                        vec![ev(
                            "MetadataOptions.HttpTokens",
                            "required",
                            "only IMDSv2 (session tokens) is served",
                        )],
                    );
                } else {
                    out.fail(
                    res,
                    vec![ev(
                        "MetadataOptions.HttpTokens",
                        tokens,
                        "IMDSv1 is served: a plain GET from any process (or SSRF) reads the role credentials",
                    )],
                );
                }
            },
        );
    }
}
