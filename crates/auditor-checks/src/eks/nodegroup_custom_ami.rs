//! EKS-009: a node group runs a custom AMI.

use crate::emit::ev;
use crate::{declare_check, Check, CheckContext, Emitter};

declare_check! {
    /// ## What it checks
    /// Every managed node group's `amiType`. It fails when it is `CUSTOM` (the launch
    /// template names its own AMI), and passes for the EKS-optimized Amazon Linux, Windows
    /// and Bottlerocket AMI types.
    ///
    /// ## Why it matters
    /// EKS-optimized and Bottlerocket AMIs are hardened, patched by AWS on a published
    /// cadence, and upgraded by `update-nodegroup-version`. A custom AMI's patching, CIS
    /// hardening and kubelet configuration are all yours, and node-group upgrades no longer
    /// patch it. The Amazon EKS security checklist and the EKS GitOps security guide §5 recommend the optimized or Bottlerocket AMIs.
    ///
    /// ## Remediation
    /// Move the node group to an EKS-optimized AMI type (`AL2023_x86_64_STANDARD`,
    /// `BOTTLEROCKET_x86_64`, ...), or, if the custom AMI is required, document its build
    /// pipeline, CIS benchmark and patch cadence and disable this check for it.
    ///
    /// ## References
    /// - https://docs.aws.amazon.com/eks/latest/userguide/eks-optimized-amis.html
    /// - https://docs.aws.amazon.com/eks/latest/best-practices/protecting-the-infrastructure.html
    pub(crate) struct NodegroupCustomAmi {
        code: "EKS-009",
        name: "nodegroup-custom-ami",
        title: "Node group uses a custom AMI instead of an EKS-optimized or Bottlerocket AMI",
        service: Eks,
        severity: Low,
        wa: ["SEC06-BP02"],
        reads: ["eks:ListClusters", "eks:ListNodegroups", "eks:DescribeNodegroup"],
    }
}

impl Check for NodegroupCustomAmi {
    fn run(&self, ctx: &CheckContext<'_>, out: &mut Emitter<'_>) {
        let inv = ctx.inventory;
        super::for_each_nodegroup(ctx, out, |region, data, c, n, out| {
            let res = super::nodegroup_resource(inv, region, c, n);
            match n.ami_type.as_deref() {
                None => out.not_assessed_because(res, "DescribeNodegroup returned no amiType"),
                Some("CUSTOM") => {
                    let image = n.launch_template.as_ref().and_then(|r| {
                        data.launch_templates
                            .get()
                            .ok()?
                            .iter()
                            .find(|v| v.answers(r))?
                            .image_id
                            .clone()
                    });
                    out.fail(
                        res,
                        vec![ev(
                            "amiType",
                            match image {
                                Some(i) => format!("CUSTOM ({i})"),
                                None => "CUSTOM".into(),
                            },
                            "a custom AMI: its hardening and patching are not EKS's",
                        )],
                    );
                }
                Some(t) => out.pass(
                    res,
                    vec![ev(
                        "amiType",
                        t,
                        "an EKS-optimized AMI type, patched by AWS",
                    )],
                ),
            }
        });
    }
}
