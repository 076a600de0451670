//! Typed condition values: numbers, dates, IP ranges and booleans, parsed once when a
//! document is compiled (policy side) and on demand from the request context (which, as in
//! AWS, holds strings).

use std::net::IpAddr;

/// A number, as `Numeric*` operators read it.
pub(crate) fn number(s: &str) -> Option<f64> {
    let t = s.trim();
    if t.is_empty() {
        return None;
    }
    let n: f64 = t.parse().ok()?;
    n.is_finite().then_some(n)
}

/// A boolean, as `Bool` reads it (`true`/`false`, any case).
pub(crate) fn boolean(s: &str) -> Option<bool> {
    if s.eq_ignore_ascii_case("true") {
        Some(true)
    } else if s.eq_ignore_ascii_case("false") {
        Some(false)
    } else {
        None
    }
}

/// A date as milliseconds since the epoch. AWS accepts the W3C profile of ISO 8601
/// (`2020`, `2020-01`, `2020-01-01`, `2020-01-01T10:00Z`, `2020-01-01T10:00:00.5+02:00`)
/// and epoch time in seconds (`1577836800`), which is how `aws:EpochTime` is given.
pub(crate) fn date_millis(s: &str) -> Option<i128> {
    let s = s.trim();
    if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) && s.len() != 4 {
        return s.parse::<i128>().ok()?.checked_mul(1000);
    }
    w3c(s)
}

fn digits(s: &str, n: usize) -> Option<(i64, &str)> {
    let head = s.get(..n)?;
    if !head.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some((head.parse().ok()?, &s[n..]))
}

fn w3c(s: &str) -> Option<i128> {
    let (year, rest) = digits(s, 4)?;
    let (month, rest) = match rest.strip_prefix('-') {
        Some(r) => digits(r, 2)?,
        None if rest.is_empty() => (1, rest),
        None => return None,
    };
    let (day, rest) = match rest.strip_prefix('-') {
        Some(r) => digits(r, 2)?,
        None if rest.is_empty() => (1, rest),
        None => return None,
    };
    if !(1..=12).contains(&month) || day < 1 || day > days_in_month(year, month) {
        return None;
    }
    let mut millis = i128::from(days_from_civil(year, month, day)) * 86_400_000;
    let Some(time) = rest.strip_prefix('T').or_else(|| rest.strip_prefix('t')) else {
        return rest.is_empty().then_some(millis);
    };
    let (hh, r) = digits(time, 2)?;
    let r = r.strip_prefix(':')?;
    let (mm, mut r) = digits(r, 2)?;
    let mut secs_ms: i64 = 0;
    if let Some(after) = r.strip_prefix(':') {
        let (ss, after) = digits(after, 2)?;
        secs_ms = ss * 1000;
        r = after;
        if let Some(frac) = r.strip_prefix('.') {
            let n = frac.bytes().take_while(u8::is_ascii_digit).count();
            if n == 0 {
                return None;
            }
            let mut ms = 0i64;
            for (i, b) in frac.bytes().take(n.min(3)).enumerate() {
                ms += i64::from(b - b'0') * 10i64.pow(2 - i as u32);
            }
            secs_ms += ms;
            r = &frac[n..];
        }
    }
    if hh > 23 || mm > 59 || secs_ms >= 61_000 {
        return None;
    }
    let offset_min: i64 = if r == "Z" || r == "z" {
        0
    } else {
        let sign = match r.as_bytes().first()? {
            b'+' => 1,
            b'-' => -1,
            _ => return None,
        };
        let (oh, o) = digits(&r[1..], 2)?;
        let (om, o) = match o.strip_prefix(':') {
            Some(o) => digits(o, 2)?,
            None => digits(o, 2)?,
        };
        if !o.is_empty() {
            return None;
        }
        sign * (oh * 60 + om)
    };
    millis += i128::from((hh * 60 + mm - offset_min) * 60_000 + secs_ms);
    Some(millis)
}

fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        2 if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// A date in milliseconds since the epoch as W3C text (`2020-01-01T00:00:00.250Z`), for
/// years 0 to 9999.
pub(crate) fn format_millis(ms: i128) -> Option<String> {
    let days = i64::try_from(ms.div_euclid(86_400_000)).ok()?;
    let rest = i64::try_from(ms.rem_euclid(86_400_000)).ok()?;
    let (y, m, d) = civil_from_days(days);
    if !(0..=9999).contains(&y) {
        return None;
    }
    Some(format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{:03}Z",
        rest / 3_600_000,
        rest / 60_000 % 60,
        rest / 1000 % 60,
        rest % 1000
    ))
}

/// The date of a day count since 1970-01-01 (Howard Hinnant's algorithm).
fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// An IP range (an address alone is a /32 or /128).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum IpRange {
    V4 { net: u32, prefix: u8 },
    V6 { net: u128, prefix: u8 },
}

impl IpRange {
    pub(crate) fn parse(s: &str) -> Option<IpRange> {
        let s = s.trim();
        let (addr, prefix) = match s.split_once('/') {
            Some((a, p)) => (a, Some(p.parse::<u8>().ok()?)),
            None => (s, None),
        };
        match addr.parse::<IpAddr>().ok()? {
            IpAddr::V4(a) => {
                let prefix = prefix.unwrap_or(32);
                (prefix <= 32).then(|| IpRange::V4 {
                    net: u32::from(a),
                    prefix,
                })
            }
            IpAddr::V6(a) => {
                let prefix = prefix.unwrap_or(128);
                (prefix <= 128).then(|| IpRange::V6 {
                    net: u128::from(a),
                    prefix,
                })
            }
        }
    }

    /// Whether `ip` is in the range: `Some(false)` for an address of the other family,
    /// `None` when `ip` is not an address.
    pub(crate) fn contains(&self, ip: &str) -> Option<bool> {
        let ip: IpAddr = ip.trim().parse().ok()?;
        Some(match (self, ip) {
            (IpRange::V4 { net, prefix }, IpAddr::V4(a)) => {
                let mask = if *prefix == 0 {
                    0
                } else {
                    u32::MAX << (32 - prefix)
                };
                u32::from(a) & mask == net & mask
            }
            (IpRange::V6 { net, prefix }, IpAddr::V6(a)) => {
                let mask = if *prefix == 0 {
                    0
                } else {
                    u128::MAX << (128 - prefix)
                };
                u128::from(a) & mask == net & mask
            }
            _ => false,
        })
    }

    /// The first and last address of the range, and whether it is IPv6.
    pub(crate) fn bounds(&self) -> (u128, u128, bool) {
        match *self {
            IpRange::V4 { net, prefix } => {
                let host = if prefix == 0 {
                    u32::MAX
                } else {
                    !(u32::MAX << (32 - prefix))
                };
                let start = net & !host;
                (u128::from(start), u128::from(start | host), false)
            }
            IpRange::V6 { net, prefix } => {
                let host = if prefix == 0 {
                    u128::MAX
                } else {
                    !(u128::MAX << (128 - prefix))
                };
                let start = net & !host;
                (start, start | host, true)
            }
        }
    }

    /// An address as text.
    pub(crate) fn format(addr: u128, v6: bool) -> String {
        if v6 {
            std::net::Ipv6Addr::from(addr).to_string()
        } else {
            std::net::Ipv4Addr::from(addr as u32).to_string()
        }
    }

    /// Whether S3 counts a policy limited to this range as public: wider than `/8`
    /// (IPv4) or `/32` (IPv6), and not an RFC 1918 private range ("The meaning of
    /// public", S3 User Guide).
    pub(crate) fn is_public_wide(&self) -> bool {
        match *self {
            IpRange::V4 { net, prefix } => {
                let private = [(0x0a00_0000u32, 8u8), (0xac10_0000, 12), (0xc0a8_0000, 16)]
                    .iter()
                    .any(|(p, len)| prefix >= *len && (net >> (32 - len)) == (p >> (32 - len)));
                prefix < 8 && !private
            }
            IpRange::V6 { prefix, .. } => prefix < 32,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_in_every_w3c_shape_and_epoch_seconds() {
        let day = date_millis("2020-01-01").unwrap();
        assert_eq!(day, 1_577_836_800_000);
        assert_eq!(date_millis("2020-01-01T00:00:00Z"), Some(day));
        assert_eq!(date_millis("2020-01-01T00:00Z"), Some(day));
        assert_eq!(date_millis("2020-01-01T01:00:00+01:00"), Some(day));
        assert_eq!(date_millis("2020-01-01T00:00:00.250Z"), Some(day + 250));
        assert_eq!(date_millis("1577836800"), Some(day));
        assert_eq!(date_millis("2020"), Some(day));
        assert_eq!(date_millis("2020-01"), Some(day));
        assert_eq!(date_millis("2019-12-31T23:59:59Z"), Some(day - 1000));
        for bad in [
            "",
            "yesterday",
            "2020-13-01",
            "2020-02-30",
            "2020-01-01T25:00Z",
            "2020-01-01T10:00",
        ] {
            assert_eq!(date_millis(bad), None, "{bad}");
        }
    }

    #[test]
    fn ip_ranges() {
        let r = IpRange::parse("10.0.0.0/8").unwrap();
        assert_eq!(r.contains("10.1.2.3"), Some(true));
        assert_eq!(r.contains("11.0.0.1"), Some(false));
        assert_eq!(r.contains("2001:db8::1"), Some(false));
        assert_eq!(r.contains("nonsense"), None);
        assert_eq!(
            IpRange::parse("0.0.0.0/0").unwrap().contains("8.8.8.8"),
            Some(true)
        );
        assert_eq!(
            IpRange::parse("203.0.113.5")
                .unwrap()
                .contains("203.0.113.5"),
            Some(true)
        );
        assert!(IpRange::parse("2001:db8::/32")
            .unwrap()
            .contains("2001:db8:1::1")
            .unwrap());
        assert_eq!(IpRange::parse("10.0.0.0/33"), None);
    }

    #[test]
    fn dates_format_back() {
        for ms in [
            0i128,
            1_577_836_800_250,
            951_782_400_000,
            -86_400_000,
            253_402_300_799_999,
        ] {
            let text = format_millis(ms).unwrap();
            assert_eq!(date_millis(&text), Some(ms), "{text}");
        }
        assert_eq!(format_millis(253_402_300_800_000), None);
    }

    #[test]
    fn numbers_and_booleans() {
        assert_eq!(number(" 3600 "), Some(3600.0));
        assert_eq!(number("1.5"), Some(1.5));
        assert_eq!(number("12abc"), None);
        assert_eq!(boolean("TRUE"), Some(true));
        assert_eq!(boolean("yes"), None);
    }
}
