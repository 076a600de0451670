//! EC2-003: a security group lets the whole internet reach a database or cache port.

use crate::{declare_check, Check, CheckContext, Emitter};

declare_check! {
    /// ## What it checks
    /// Every security group's inbound rules. It fails when a rule admits `0.0.0.0/0` or
    /// `::/0` over TCP (or all protocols) to a database or cache port: MSSQL 1433, Oracle
    /// 1521, etcd 2379, MySQL 3306, PostgreSQL 5432, CouchDB 5984, Redis 6379, Cassandra
    /// 7000/7001/9042, InfluxDB 8086, Elasticsearch/OpenSearch 9200/9300, Memcached 11211,
    /// MongoDB 27017/27018 (`checks.ec2.database_ports` in config).
    ///
    /// The internet is also reached in pieces: the sources of every rule that covers the
    /// same port (CIDRs, and the entries of the customer-managed prefix lists it names) are
    /// joined, and the group fails when together they hold every public address of a family
    /// (`0.0.0.0/1` with `128.0.0.0/1`; a prefix list holding `0.0.0.0/0`). AWS-managed
    /// prefix lists (CloudFront's, S3's) are AWS's addresses, named in the evidence and not
    /// counted as the internet. A group whose verdict hangs on a prefix list that could not
    /// be read is "not assessed".
    ///
    /// ## Why it matters
    /// Data stores are the target. The Terraform state threat model asks that databases and caches accept traffic
    /// only from internal resources; an internet-facing data port is one weak password or
    /// one unpatched CVE from a breach, and many caches ship without authentication.
    ///
    /// ## Remediation
    /// Allow the port only from the application's security group (a security-group
    /// reference, not a CIDR), and place the data store in subnets without a route to the
    /// internet. Remove the open rule with `aws ec2 revoke-security-group-ingress --region
    /// <region> --group-id <security-group> --ip-permissions ...`.
    ///
    /// ## References
    /// - https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/Overview.RDSSecurityGroups.html
    /// - https://docs.aws.amazon.com/vpc/latest/userguide/security-group-rules.html
    pub(crate) struct SgOpenDatabasePorts {
        code: "EC2-003",
        name: "sg-open-database-ports",
        title: "Security group allows database or cache ports from the internet",
        service: Ec2,
        severity: High,
        wa: ["SEC05-BP02"],
        fsbp: ["EC2.19"],
        reads: [
            "ec2:DescribeSecurityGroups",
            "ec2:DescribeManagedPrefixLists",
            "ec2:GetManagedPrefixListEntries",
        ],
    }
}

impl Check for SgOpenDatabasePorts {
    fn run(&self, ctx: &CheckContext<'_>, out: &mut Emitter<'_>) {
        let ports = &ctx.settings.database_ports;
        let targets = super::port_targets(ports);
        super::check_world_exposure(
            ctx,
            out,
            "database or cache ports",
            |perm| {
                let hit: Vec<u16> = ports
                    .iter()
                    .copied()
                    .filter(|p| super::exposure::covers_tcp_port(perm, *p))
                    .collect();
                // An all-traffic rule covers every listed port; name a few, not sixteen.
                match hit.len() {
                    0 => None,
                    n if n > 4 => Some(format!(
                        "{n} database/cache ports ({}, ...)",
                        super::ports_list(&hit[..4])
                    )),
                    _ => Some(format!(
                        "database/cache port(s) {}",
                        super::ports_list(&hit)
                    )),
                }
            },
            &targets,
        );
    }
}
