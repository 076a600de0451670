//! EC2-006: a VPC has no flow logs.

use crate::emit::ev;
use crate::{declare_check, Check, CheckContext, Emitter};
use auditor_model::ec2::name_tag;

declare_check! {
    /// ## What it checks
    /// Every VPC. It passes when at least one flow log watches the VPC itself and is not
    /// in an error state; it fails otherwise. Flow logs on single subnets or interfaces
    /// do not count: they leave the rest of the VPC unrecorded.
    ///
    /// ## Why it matters
    /// Without flow logs there is no record of which addresses talked to which, so an
    /// investigation cannot tell whether a compromised pod reached a database or exfiltrated
    /// data. The EKS GitOps security guide (audit logging) and the WA logging practice both ask for them.
    ///
    /// ## Remediation
    /// Create a flow log for the VPC with traffic type `ALL`, delivered to CloudWatch Logs
    /// or S3: `aws ec2 create-flow-logs --region <region> --resource-type VPC --resource-ids <vpc>
    /// --traffic-type ALL --log-destination-type s3 --log-destination arn:aws:s3:::bucket`.
    ///
    /// ## References
    /// - https://docs.aws.amazon.com/vpc/latest/userguide/flow-logs.html
    /// - https://docs.aws.amazon.com/securityhub/latest/userguide/ec2-controls.html#ec2-6
    pub(crate) struct VpcWithoutFlowLogs {
        code: "EC2-006",
        name: "vpc-without-flow-logs",
        title: "VPC has no flow logs",
        service: Ec2,
        severity: Medium,
        wa: ["SEC04-BP01"],
        fsbp: ["EC2.6"],
        reads: ["ec2:DescribeVpcs", "ec2:DescribeFlowLogs"],
    }
}

impl Check for VpcWithoutFlowLogs {
    fn run(&self, ctx: &CheckContext<'_>, out: &mut Emitter<'_>) {
        let inv = ctx.inventory;
        super::for_each(
            ctx,
            out,
            "vpc",
            |r| &r.vpcs,
            |region, data, vpc, out| {
                let res = super::resource(inv, region, "vpc", &vpc.vpc_id, name_tag(&vpc.tags));
                let logs = match data.flow_logs.get() {
                    Ok(logs) => logs,
                    Err(gap) => return out.not_assessed(res, gap),
                };
                let active: Vec<_> = logs
                    .iter()
                    .filter(|l| l.resource_id == vpc.vpc_id)
                    .filter(|l| {
                        l.flow_log_status
                            .as_deref()
                            .is_none_or(|s| s.eq_ignore_ascii_case("ACTIVE"))
                    })
                    .map(|l| {
                        ev(
                            format!("FlowLogs[{}]", l.flow_log_id),
                            format!(
                                "traffic {} to {}",
                                l.traffic_type.as_deref().unwrap_or("?"),
                                l.log_destination_type.as_deref().unwrap_or("?")
                            ),
                            "the VPC's traffic is recorded",
                        )
                    })
                    .collect();
                if active.is_empty() {
                    out.fail(
                        res,
                        vec![ev(
                            "FlowLogs[ResourceId]",
                            format!("no active flow log for {}", vpc.vpc_id),
                            "traffic in this VPC leaves no record",
                        )],
                    );
                } else {
                    out.pass(res, active);
                }
            },
        );
    }
}
