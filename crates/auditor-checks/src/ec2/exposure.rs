//! Reading security-group and network-ACL rules: protocols, port ranges, "the internet".

use super::addrs::{self, Addrs};
use auditor_model::ec2::{IpPermission, PrefixList};
use auditor_model::{Collected, Gap};
use std::collections::BTreeMap;

/// A protocol as the EC2 API spells it in its several ways (`-1`, `tcp`, `6`, ...).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Proto {
    All,
    Tcp,
    Udp,
    Other,
}

pub(crate) fn proto(p: &str) -> Proto {
    match p.to_ascii_lowercase().as_str() {
        "-1" | "all" => Proto::All,
        "tcp" | "6" => Proto::Tcp,
        "udp" | "17" => Proto::Udp,
        _ => Proto::Other,
    }
}

/// Whether a CIDR covers every address of its family (`0.0.0.0/0`, `::/0`).
pub(crate) fn is_world(cidr: &str) -> bool {
    cidr.rsplit_once('/')
        .is_some_and(|(_, len)| len.trim() == "0")
}

/// An inbound rule open to the whole internet: the rule's index and the world CIDR.
#[derive(Debug, Clone, Copy)]
pub(crate) struct WorldRule<'a> {
    pub(crate) index: usize,
    pub(crate) perm: &'a IpPermission,
    pub(crate) source: &'a str,
}

impl WorldRule<'_> {
    /// The API field the evidence names.
    pub(crate) fn field(&self) -> String {
        let list = if self.source.contains(':') {
            "Ipv6Ranges"
        } else {
            "IpRanges"
        };
        format!("IpPermissions[{}].{list}", self.index)
    }

    /// `tcp 22 from 0.0.0.0/0`
    pub(crate) fn observed(&self) -> String {
        format!("{} from {}", describe(self.perm), self.source)
    }
}

/// Every (rule, world CIDR) pair among inbound rules.
pub(crate) fn world_rules(perms: &[IpPermission]) -> Vec<WorldRule<'_>> {
    perms
        .iter()
        .enumerate()
        .flat_map(|(index, perm)| {
            perm.ip_ranges
                .iter()
                .chain(&perm.ipv6_ranges)
                .filter(|c| is_world(c))
                .map(move |source| WorldRule {
                    index,
                    perm,
                    source,
                })
        })
        .collect()
}

/// What a group's rules of one target (a port, all traffic) admit together.
#[derive(Debug, Default)]
pub(crate) struct Union {
    /// The sources naming internet addresses: (field, observed, (IPv4, IPv6) families
    /// they hold public addresses of).
    pub(crate) sources: Vec<(String, String, (bool, bool))>,
    /// Whether they hold the whole IPv4 and the whole IPv6 internet.
    pub(crate) admits: (bool, bool),
    /// Prefix lists whose entries are unknown: (field, why).
    pub(crate) unread: Vec<(String, String)>,
    /// AWS-managed prefix lists met (AWS's own addresses): (field, observed).
    pub(crate) aws: Vec<(String, String)>,
}

/// The union of every source (CIDRs, and the entries of customer-managed prefix lists) of
/// the rules that `covers` selects; `lists` are the region's prefix lists by id, or the gap
/// that kept them unread.
pub(crate) fn union_of(
    perms: &[IpPermission],
    covers: &dyn Fn(&IpPermission) -> bool,
    lists: Result<&BTreeMap<&str, &PrefixList>, &Gap>,
) -> Union {
    let mut u = Union::default();
    let mut addrs = Addrs::default();
    for (i, perm) in perms.iter().enumerate().filter(|(_, p)| covers(p)) {
        for (list, field) in [
            (&perm.ip_ranges, "IpRanges"),
            (&perm.ipv6_ranges, "Ipv6Ranges"),
        ] {
            for cidr in list {
                let Some(r) = addrs::parse(cidr) else {
                    continue;
                };
                addrs.insert(r);
                if addrs::is_public(r) {
                    u.sources.push((
                        format!("IpPermissions[{i}].{field}"),
                        format!("{} from {cidr}", describe(perm)),
                        family(r),
                    ));
                }
            }
        }
        for pl in &perm.prefix_list_ids {
            let field = format!("IpPermissions[{i}].PrefixListIds");
            let list = match lists {
                Err(g) => {
                    u.unread.push((
                        field,
                        format!("{pl}: the prefix lists were not read ({})", g.message),
                    ));
                    continue;
                }
                Ok(m) => m.get(pl.as_str()),
            };
            let Some(list) = list else {
                u.unread.push((
                    field,
                    format!("{pl} is not among the prefix lists DescribeManagedPrefixLists returned for this region"),
                ));
                continue;
            };
            let named = format!("{} from {pl} ({})", describe(perm), list.prefix_list_name);
            if list.aws_managed() {
                u.aws.push((field, named));
                continue;
            }
            match list.entries.as_ref().map(Collected::get) {
                Some(Ok(entries)) => {
                    let mut public: Vec<&str> = Vec::new();
                    let mut families = (false, false);
                    for c in entries {
                        let Some(r) = addrs::parse(c) else { continue };
                        addrs.insert(r);
                        if addrs::is_public(r) {
                            public.push(c);
                            let (v4, v6) = family(r);
                            families = (families.0 || v4, families.1 || v6);
                        }
                    }
                    if !public.is_empty() {
                        let held = super::short_list(&public);
                        u.sources
                            .push((field, format!("{named}, which holds {held}"), families));
                    }
                }
                Some(Err(g)) => u.unread.push((field, format!("{pl}: {}", g.message))),
                None => u
                    .unread
                    .push((field, format!("{pl}: its entries were not read"))),
            }
        }
    }
    u.admits = addrs.admits_internet();
    u
}

/// `(true, false)` for an IPv4 range, `(false, true)` for IPv6.
fn family(r: addrs::Range) -> (bool, bool) {
    match r {
        addrs::Range::V4(..) => (true, false),
        addrs::Range::V6(..) => (false, true),
    }
}

/// The rule's port range; `None` bounds mean all ports.
fn range(perm: &IpPermission) -> (i32, i32) {
    let from = perm.from_port.unwrap_or(0);
    let to = perm.to_port.unwrap_or(65535);
    // The API uses -1 for "all" on some protocols.
    if from < 0 || to < 0 {
        (0, 65535)
    } else {
        (from, to)
    }
}

/// Whether the rule lets TCP reach `port` (all-protocol rules included).
pub(crate) fn covers_tcp_port(perm: &IpPermission, port: u16) -> bool {
    match proto(&perm.ip_protocol) {
        Proto::All => true,
        Proto::Tcp => {
            let (from, to) = range(perm);
            from <= i32::from(port) && i32::from(port) <= to
        }
        Proto::Udp | Proto::Other => false,
    }
}

/// Whether the rule allows every protocol, or every TCP or UDP port.
pub(crate) fn is_all_traffic(perm: &IpPermission) -> bool {
    match proto(&perm.ip_protocol) {
        Proto::All => true,
        Proto::Tcp | Proto::Udp => range(perm) == (0, 65535),
        Proto::Other => false,
    }
}

/// `all traffic`, `tcp 22`, `udp 0-65535`, `icmp`.
pub(crate) fn describe(perm: &IpPermission) -> String {
    match proto(&perm.ip_protocol) {
        Proto::All => "all traffic".into(),
        Proto::Tcp | Proto::Udp => {
            let (from, to) = range(perm);
            let p = if proto(&perm.ip_protocol) == Proto::Tcp {
                "tcp"
            } else {
                "udp"
            };
            if from == to {
                format!("{p} {from}")
            } else {
                format!("{p} {from}-{to}")
            }
        }
        Proto::Other => format!("protocol {}", perm.ip_protocol),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn perm(proto: &str, from: Option<i32>, to: Option<i32>) -> IpPermission {
        IpPermission {
            ip_protocol: proto.into(),
            from_port: from,
            to_port: to,
            ip_ranges: vec!["0.0.0.0/0".into(), "10.0.0.0/8".into()],
            ipv6_ranges: vec!["::/0".into()],
            prefix_list_ids: vec![],
            user_id_group_pairs: vec![],
        }
    }

    #[test]
    fn world_is_prefix_zero_only() {
        assert!(is_world("0.0.0.0/0"));
        assert!(is_world("::/0"));
        assert!(!is_world("0.0.0.0/1"));
        assert!(!is_world("10.0.0.0/8"));
        assert!(!is_world("garbage"));
    }

    #[test]
    fn port_coverage_follows_protocol_and_range() {
        assert!(covers_tcp_port(&perm("-1", None, None), 22));
        assert!(covers_tcp_port(&perm("tcp", Some(20), Some(25)), 22));
        assert!(covers_tcp_port(&perm("6", Some(22), Some(22)), 22));
        assert!(!covers_tcp_port(&perm("tcp", Some(23), Some(25)), 22));
        assert!(!covers_tcp_port(&perm("udp", Some(0), Some(65535)), 22));
        assert!(!covers_tcp_port(&perm("icmp", Some(-1), Some(-1)), 22));
    }

    #[test]
    fn all_traffic_means_every_port() {
        assert!(is_all_traffic(&perm("-1", None, None)));
        assert!(is_all_traffic(&perm("tcp", Some(0), Some(65535))));
        assert!(!is_all_traffic(&perm("tcp", Some(1), Some(65535))));
        assert!(!is_all_traffic(&perm("icmp", Some(-1), Some(-1))));
    }

    #[test]
    fn world_rules_name_their_field() {
        let p = [perm("tcp", Some(22), Some(22))];
        let rules = world_rules(&p);
        assert_eq!(rules.len(), 2);
        assert_eq!(rules[0].field(), "IpPermissions[0].IpRanges");
        assert_eq!(rules[1].field(), "IpPermissions[0].Ipv6Ranges");
        assert_eq!(rules[0].observed(), "tcp 22 from 0.0.0.0/0");
    }
}
