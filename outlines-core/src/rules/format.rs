//! Validators for JSON Schema's `format` keyword (RFC 3339 dates and times, RFC 3986 URIs,
//! RFC 5321 email addresses, ...), enforced rather than annotation-only, and allocation-free.

use std::net::{Ipv4Addr, Ipv6Addr};

pub use crate::schema::Format;

impl Format {
    /// Whether `s` is valid. Never panics and never allocates.
    pub fn is_valid(self, s: &str) -> bool {
        match self {
            Format::Email => is_email(s),
            Format::Uri => is_uri(s),
            Format::Uuid => is_uuid(s),
            Format::Date => is_date(s),
            Format::DateTime => is_date_time(s),
            Format::Time => is_time(s),
            Format::Ipv4 => is_ipv4(s),
            Format::Ipv6 => is_ipv6(s),
            Format::Hostname => is_hostname(s),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Dates and times (RFC 3339 §5.6)
// ---------------------------------------------------------------------------------------------

fn is_date(s: &str) -> bool {
    is_full_date(s.as_bytes())
}

fn is_time(s: &str) -> bool {
    is_full_time(s.as_bytes())
}

/// `full-date "T" full-time`. RFC 3339 §5.6 allows a lowercase `t`; a space (which the
/// RFC's NOTE merely tolerates "for readability") is rejected, as jsonschema does.
fn is_date_time(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() > 10 && matches!(b[10], b'T' | b't') && is_full_date(&b[..10]) && is_full_time(&b[11..])
}

/// `YYYY-MM-DD` with the day checked against the month (RFC 3339 §5.7).
fn is_full_date(b: &[u8]) -> bool {
    let &[y0, y1, y2, y3, b'-', m0, m1, b'-', d0, d1] = b else {
        return false;
    };
    let (Some(year), Some(month), Some(day)) = (
        number(&[y0, y1, y2, y3]),
        number(&[m0, m1]),
        number(&[d0, d1]),
    ) else {
        return false;
    };
    let days_in_month = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap_year(year) => 29,
        2 => 28,
        _ => return false,
    };
    (1..=days_in_month).contains(&day)
}

/// The Gregorian rule (RFC 3339 Appendix C).
fn is_leap_year(year: u32) -> bool {
    year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
}

/// `HH:MM:SS[.frac]` followed by a required `time-offset` (`Z` or `±HH:MM`).
fn is_full_time(b: &[u8]) -> bool {
    let [h0, h1, b':', m0, m1, b':', s0, s1, rest @ ..] = b else {
        return false;
    };
    let (Some(hour), Some(minute), Some(second)) = (
        number(&[*h0, *h1]),
        number(&[*m0, *m1]),
        number(&[*s0, *s1]),
    ) else {
        return false;
    };
    if hour > 23 || minute > 59 || second > 60 {
        return false;
    }
    // time-secfrac = "." 1*DIGIT, of any length.
    let offset = match rest {
        [b'.', frac @ ..] => {
            let digits = frac.iter().take_while(|c| c.is_ascii_digit()).count();
            if digits == 0 {
                return false;
            }
            &frac[digits..]
        }
        _ => rest,
    };
    // Offset in minutes east of UTC. RFC 3339 §5.6's NOTE allows a lowercase `z`.
    let offset_minutes = match *offset {
        [b'Z' | b'z'] => 0,
        [sign @ (b'+' | b'-'), oh0, oh1, b':', om0, om1] => {
            let (Some(oh), Some(om)) = (number(&[oh0, oh1]), number(&[om0, om1])) else {
                return false;
            };
            if oh > 23 || om > 59 {
                return false;
            }
            let minutes = (oh * 60 + om) as i32;
            if sign == b'-' { -minutes } else { minutes }
        }
        _ => return false,
    };
    // A leap second (RFC 3339 §5.7) is only ever inserted at 23:59:60 UTC, so convert the
    // local time back to UTC before accepting `:60`.
    second != 60
        || ((hour * 60 + minute) as i32 - offset_minutes).rem_euclid(24 * 60) == 23 * 60 + 59
}

/// The value of a non-empty run of ASCII digits (at most four here, so no overflow).
fn number(digits: &[u8]) -> Option<u32> {
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(digits.iter().fold(0, |n, &d| n * 10 + u32::from(d - b'0')))
}

// ---------------------------------------------------------------------------------------------
// Email (RFC 5321 §4.1.2 Mailbox)
// ---------------------------------------------------------------------------------------------

/// `Local-part "@" ( Domain / address-literal )`. Only the bare mailbox is accepted: a display
/// name (`Name <a@b.c>`) belongs to RFC 5322 headers, not to the format.
fn is_email(s: &str) -> bool {
    // A quoted local part may itself hold `@`; the domain never does, so split at the last one.
    let Some((local, domain)) = s.rsplit_once('@') else {
        return false;
    };
    is_local_part(local.as_bytes()) && is_mail_domain(domain)
}

fn is_local_part(b: &[u8]) -> bool {
    // RFC 5321 §4.5.3.1.1: at most 64 octets.
    if b.len() > 64 {
        return false;
    }
    match b {
        [b'"', quoted @ .., b'"'] => is_quoted_content(quoted),
        _ => !b.is_empty() && b.split(|&c| c == b'.').all(is_atom),
    }
}

/// `Atom = 1*atext` (RFC 5321 §4.1.2 / RFC 5322 §3.2.3); splitting the dot-atom on `.` and
/// requiring every atom to be non-empty rules out leading, trailing and doubled dots.
fn is_atom(atom: &[u8]) -> bool {
    !atom.is_empty()
        && atom
            .iter()
            .all(|&c| c.is_ascii_alphanumeric() || b"!#$%&'*+-/=?^_`{|}~".contains(&c))
}

/// The inside of a `Quoted-string` (RFC 5321 §4.1.2): `qtextSMTP` is printable ASCII and
/// space except `"` and `\`, and `quoted-pairSMTP` is `\` followed by any of %d32-126.
/// The empty quoted string `""` is allowed.
fn is_quoted_content(b: &[u8]) -> bool {
    let mut chars = b.iter();
    while let Some(&c) = chars.next() {
        let ok = match c {
            b'\\' => chars.next().is_some_and(|&e| (b' '..=b'~').contains(&e)),
            b'"' => false,
            _ => (b' '..=b'~').contains(&c),
        };
        if !ok {
            return false;
        }
    }
    true
}

/// A host name, or an address literal: `[a.b.c.d]` or `[IPv6:...]` (RFC 5321 §4.1.3; the
/// `IPv6` tag is case-insensitive).
fn is_mail_domain(domain: &str) -> bool {
    let Some(literal) = domain.strip_prefix('[').and_then(|d| d.strip_suffix(']')) else {
        return is_hostname(domain);
    };
    match literal.as_bytes().get(..5) {
        Some(tag) if tag.eq_ignore_ascii_case(b"IPv6:") => is_ipv6(&literal[5..]),
        _ => is_ipv4(literal),
    }
}

// ---------------------------------------------------------------------------------------------
// URI (RFC 3986)
// ---------------------------------------------------------------------------------------------

/// `URI = scheme ":" hier-part [ "?" query ] [ "#" fragment ]` (RFC 3986 §3).
fn is_uri(s: &str) -> bool {
    let b = s.as_bytes();
    let Some(colon) = b.iter().position(|&c| c == b':') else {
        return false;
    };
    let (scheme, mut rest) = (&b[..colon], &b[colon + 1..]);
    // scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) (§3.1)
    if !scheme.first().is_some_and(u8::is_ascii_alphabetic)
        || !scheme
            .iter()
            .all(|&c| c.is_ascii_alphanumeric() || matches!(c, b'+' | b'-' | b'.'))
    {
        return false;
    }
    // hier-part = "//" authority path-abempty / path-absolute / path-rootless / path-empty.
    // The authority runs to the first `/`, `?` or `#` (§3.2), so what follows it is a
    // path-abempty; without one, any run of pchar and `/` is one of the other path forms.
    if let Some(after) = rest.strip_prefix(b"//") {
        let end = after
            .iter()
            .position(|&c| matches!(c, b'/' | b'?' | b'#'))
            .unwrap_or(after.len());
        if !is_authority(&after[..end]) {
            return false;
        }
        rest = &after[end..];
    }
    // The fragment starts at the first `#` and the query at the first `?` before it (§3.4, §3.5).
    let (rest, fragment) = match rest.iter().position(|&c| c == b'#') {
        Some(hash) => (&rest[..hash], Some(&rest[hash + 1..])),
        None => (rest, None),
    };
    let (path, query) = match rest.iter().position(|&c| c == b'?') {
        Some(question) => (&rest[..question], Some(&rest[question + 1..])),
        None => (rest, None),
    };
    let is_query_char = |c| is_pchar(c) || c == b'/' || c == b'?';
    is_uri_text(path, |c| is_pchar(c) || c == b'/')
        && query.is_none_or(|q| is_uri_text(q, is_query_char))
        && fragment.is_none_or(|f| is_uri_text(f, is_query_char))
}

/// `authority = [ userinfo "@" ] host [ ":" port ]` (RFC 3986 §3.2).
fn is_authority(authority: &[u8]) -> bool {
    // userinfo cannot contain `@`, so the first one ends it.
    let host_port = match authority.iter().position(|&c| c == b'@') {
        Some(at) => {
            if !is_uri_text(&authority[..at], |c| is_reg_name_char(c) || c == b':') {
                return false;
            }
            &authority[at + 1..]
        }
        None => authority,
    };
    let port = if let Some(literal) = host_port.strip_prefix(b"[") {
        let Some(close) = literal.iter().position(|&c| c == b']') else {
            return false;
        };
        if !is_ip_literal(&literal[..close]) {
            return false;
        }
        &literal[close + 1..]
    } else {
        let end = host_port
            .iter()
            .position(|&c| c == b':')
            .unwrap_or(host_port.len());
        if !is_uri_text(&host_port[..end], is_reg_name_char) {
            return false;
        }
        &host_port[end..]
    };
    // port = *DIGIT, so `http://host:/` is fine (§3.2.3).
    match port {
        [] => true,
        [b':', digits @ ..] => digits.iter().all(u8::is_ascii_digit),
        _ => false,
    }
}

/// `IP-literal = "[" ( IPv6address / IPvFuture ) "]"`, here without the brackets (§3.2.2).
/// No zone identifier: RFC 6874's `%25` extension is not part of RFC 3986.
fn is_ip_literal(b: &[u8]) -> bool {
    // IPvFuture = "v" 1*HEXDIG "." 1*( unreserved / sub-delims / ":" ); ABNF literals are
    // case-insensitive, so `V` is fine too.
    if let [b'v' | b'V', rest @ ..] = b {
        let hex = rest.iter().take_while(|c| c.is_ascii_hexdigit()).count();
        return match &rest[hex..] {
            [b'.', tail @ ..] => {
                hex > 0
                    && !tail.is_empty()
                    && tail.iter().all(|&c| is_reg_name_char(c) || c == b':')
            }
            _ => false,
        };
    }
    std::str::from_utf8(b).is_ok_and(is_ipv6)
}

/// Whether every byte of `b` satisfies `allowed` or belongs to a well-formed `pct-encoded`
/// triplet `"%" HEXDIG HEXDIG` (§2.1).
fn is_uri_text(b: &[u8], allowed: impl Fn(u8) -> bool) -> bool {
    let mut i = 0;
    while let Some(&c) = b.get(i) {
        if c == b'%' {
            let escape_ok = matches!(
                b.get(i + 1..i + 3),
                Some([hi, lo]) if hi.is_ascii_hexdigit() && lo.is_ascii_hexdigit()
            );
            if !escape_ok {
                return false;
            }
            i += 3;
        } else if allowed(c) {
            i += 1;
        } else {
            return false;
        }
    }
    true
}

/// `unreserved / sub-delims` (§2.2, §2.3): what a `reg-name` holds besides escapes.
fn is_reg_name_char(c: u8) -> bool {
    c.is_ascii_alphanumeric() || b"-._~!$&'()*+,;=".contains(&c)
}

/// `pchar = unreserved / pct-encoded / sub-delims / ":" / "@"` (§3.3), escapes aside.
fn is_pchar(c: u8) -> bool {
    is_reg_name_char(c) || c == b':' || c == b'@'
}

// ---------------------------------------------------------------------------------------------
// UUID and IP addresses
// ---------------------------------------------------------------------------------------------

/// `8-4-4-4-12` hex digits, either case (RFC 9562 §4); any version and variant.
fn is_uuid(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 36
        && b.iter().enumerate().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => *c == b'-',
            _ => c.is_ascii_hexdigit(),
        })
}

/// A dotted quad of decimal octets 0-255. std's parser rejects leading zeros, which would
/// otherwise be ambiguous with the octal reading of `inet_aton` (RFC 6943 §3.1.1).
fn is_ipv4(s: &str) -> bool {
    s.parse::<Ipv4Addr>().is_ok()
}

/// RFC 4291 §2.2 text forms, `::` compression and a trailing dotted quad included; std's
/// parser allocates nothing and rejects zone identifiers (`%eth0`).
fn is_ipv6(s: &str) -> bool {
    s.parse::<Ipv6Addr>().is_ok()
}

// ---------------------------------------------------------------------------------------------
// Hostname (RFC 1123 §2.1, with RFC 5890-5892 for `xn--` labels)
// ---------------------------------------------------------------------------------------------

/// Dot-separated labels of letters, digits and hyphens. A trailing dot (the DNS root) is
/// rejected, as jsonschema does: the format names a host, not a fully qualified DNS name.
fn is_hostname(s: &str) -> bool {
    // RFC 1034 §3.1 caps a name at 255 octets on the wire, i.e. 253 characters as text.
    !s.is_empty() && s.len() <= 253 && s.as_bytes().split(|&c| c == b'.').all(is_hostname_label)
}

fn is_hostname_label(label: &[u8]) -> bool {
    // RFC 1123 §2.1 allows a leading digit, unlike RFC 952.
    let ldh = (1..=63).contains(&label.len())
        && label
            .iter()
            .all(|&c| c.is_ascii_alphanumeric() || c == b'-')
        && label.first() != Some(&b'-')
        && label.last() != Some(&b'-');
    if !ldh {
        return false;
    }
    // RFC 5891 §4.2.3.1: `--` in positions 3-4 is reserved for ACE prefixes, of which only
    // `xn--` (in any case, RFC 5890 §2.3.2.1) exists; what follows it must be an A-label.
    if label.get(2..4) == Some(b"--") {
        return label[..2].eq_ignore_ascii_case(b"xn") && is_a_label(&label[4..]);
    }
    true
}

/// Whether the Punycode after `xn--` decodes to a valid U-label.
fn is_a_label(punycode: &[u8]) -> bool {
    // A label is at most 63 bytes, so its payload decodes to at most 59 code points.
    let mut buffer = ['\0'; 63];
    decode_punycode(punycode, &mut buffer).is_some_and(|len| is_u_label(&buffer[..len]))
}

/// Decodes Punycode (RFC 3492 §6.2) into `out`, returning the number of code points, or
/// `None` if the input is malformed, overflows or does not fit.
fn decode_punycode(input: &[u8], out: &mut [char]) -> Option<usize> {
    const BASE: u32 = 36;
    const T_MIN: u32 = 1;
    const T_MAX: u32 = 26;
    const INITIAL_BIAS: u32 = 72;
    const INITIAL_N: u32 = 128;

    // Basic code points come before the last `-`; as in jsonschema, a `-` in first position
    // is not a delimiter (an encoder only writes one after at least one basic code point).
    let (basic, encoded) = match input.iter().rposition(|&c| c == b'-') {
        Some(position) if position > 0 => (&input[..position], &input[position + 1..]),
        _ => (&input[..0], input),
    };
    let mut len = 0;
    for &c in basic {
        *out.get_mut(len)? = char::from(c);
        len += 1;
    }

    let (mut n, mut i, mut bias) = (INITIAL_N, 0u32, INITIAL_BIAS);
    let mut digits = encoded.iter();
    while !digits.as_slice().is_empty() {
        let old_i = i;
        let mut weight = 1u32;
        let mut k = BASE;
        loop {
            let digit = match *digits.next()? {
                c @ b'a'..=b'z' => u32::from(c - b'a'),
                c @ b'A'..=b'Z' => u32::from(c - b'A'),
                c @ b'0'..=b'9' => u32::from(c - b'0') + 26,
                _ => return None,
            };
            i = i.checked_add(digit.checked_mul(weight)?)?;
            let threshold = k.saturating_sub(bias).clamp(T_MIN, T_MAX);
            if digit < threshold {
                break;
            }
            weight = weight.checked_mul(BASE - threshold)?;
            k += BASE;
        }
        let count = u32::try_from(len).ok()? + 1;
        bias = punycode_adapt(i - old_i, count, old_i == 0);
        n = n.checked_add(i / count)?;
        i %= count;
        let at = i as usize;
        if len >= out.len() {
            return None;
        }
        out.copy_within(at..len, at + 1);
        out[at] = char::from_u32(n)?;
        len += 1;
        i += 1;
    }
    Some(len)
}

/// Bias adaptation (RFC 3492 §6.1).
fn punycode_adapt(delta: u32, count: u32, first: bool) -> u32 {
    const BASE: u32 = 36;
    const T_MIN: u32 = 1;
    const T_MAX: u32 = 26;
    const SKEW: u32 = 38;
    const DAMP: u32 = 700;

    let mut delta = delta / if first { DAMP } else { 2 };
    delta += delta / count;
    let mut k = 0;
    while delta > ((BASE - T_MIN) * T_MAX) / 2 {
        delta /= BASE - T_MIN;
        k += BASE;
    }
    k + ((BASE - T_MIN + 1) * delta) / (delta + SKEW)
}

/// The U-label rules jsonschema applies: RFC 5891 §4.2.3 and the RFC 5892 contextual rules
/// (Appendix A) decided by code point alone.
fn is_u_label(label: &[char]) -> bool {
    // RFC 5891 §4.2.3.1: no `--` in positions 3-4 and no hyphen at either end.
    if label.get(2..4) == Some(&['-', '-'])
        || label.first() == Some(&'-')
        || label.last() == Some(&'-')
    {
        return false;
    }
    // RFC 5891 §4.2.3.2: a label must not start with a combining mark.
    if label.first().is_some_and(|&c| is_combining_mark(c)) {
        return false;
    }
    let mut has_katakana_middle_dot = false;
    let mut has_kana_or_han = false;
    let mut has_arabic_indic_digit = false;
    let mut has_extended_arabic_indic_digit = false;
    for (index, &c) in label.iter().enumerate() {
        let previous = index.checked_sub(1).map(|p| label[p]);
        let next = label.get(index + 1).copied();
        let ok = match c {
            // A.1 / A.2 ZERO WIDTH (NON-)JOINER: must follow a virama. Without Unicode
            // tables, any preceding non-ASCII code point stands in for one.
            '\u{200C}' | '\u{200D}' => previous.is_some_and(|p| !p.is_ascii()),
            // A.3 MIDDLE DOT: only in Catalan `l·l`.
            '\u{00B7}' => previous == Some('l') && next == Some('l'),
            // A.4 GREEK KERAIA: must be followed by Greek.
            '\u{0375}' => next.is_some_and(|n| ('\u{0370}'..='\u{03FF}').contains(&n)),
            // A.5 / A.6 HEBREW GERESH and GERSHAYIM: must follow Hebrew.
            '\u{05F3}' | '\u{05F4}' => {
                previous.is_some_and(|p| ('\u{0590}'..='\u{05FF}').contains(&p))
            }
            // A.7 KATAKANA MIDDLE DOT: checked once the whole label is seen.
            '\u{30FB}' => {
                has_katakana_middle_dot = true;
                true
            }
            '\u{3040}'..='\u{30FF}' | '\u{4E00}'..='\u{9FFF}' => {
                has_kana_or_han = true;
                true
            }
            // A.8 / A.9: Arabic-Indic and extended Arabic-Indic digits must not mix.
            '\u{0660}'..='\u{0669}' => {
                has_arabic_indic_digit = true;
                true
            }
            '\u{06F0}'..='\u{06F9}' => {
                has_extended_arabic_indic_digit = true;
                true
            }
            // RFC 5892 §2.6 exceptions: DISALLOWED despite being letters ...
            '\u{0640}'
            | '\u{07FA}'
            | '\u{302E}'
            | '\u{302F}'
            | '\u{3031}'..='\u{3035}'
            | '\u{303B}' => false,
            // ... and PVALID despite not being letters, marks or digits.
            '\u{06FD}' | '\u{06FE}' | '\u{0F0B}' | '\u{3007}' => true,
            _ => c.is_ascii() || is_letter_mark_or_digit(c),
        };
        if !ok {
            return false;
        }
    }
    let katakana_middle_dot_ok = !has_katakana_middle_dot || has_kana_or_han;
    let arabic_digits_ok = !(has_arabic_indic_digit && has_extended_arabic_indic_digit);
    katakana_middle_dot_ok && arabic_digits_ok
}

/// Approximates RFC 5892 §2.1-2.2 ("letters, marks and decimal digits only") without Unicode
/// tables: rejects separators, controls and the blocks holding punctuation, symbols, emoji
/// and private-use code points, keeping the letters those blocks contain.
fn is_letter_mark_or_digit(c: char) -> bool {
    if c.is_whitespace() || c.is_control() {
        return false;
    }
    let symbol_block = matches!(
        c,
        '\u{00A0}'..='\u{00BF}'
            | '\u{00D7}'
            | '\u{00F7}'
            | '\u{2000}'..='\u{2BFF}'
            | '\u{2E00}'..='\u{2E7F}'
            | '\u{3000}'..='\u{3004}'
            | '\u{3008}'..='\u{3020}'
            | '\u{3030}'
            | '\u{303D}'..='\u{303F}'
            | '\u{E000}'..='\u{F8FF}'
            | '\u{FE10}'..='\u{FE1F}'
            | '\u{FE30}'..='\u{FE6F}'
            | '\u{FEFF}'
            | '\u{FF00}'..='\u{FF0F}'
            | '\u{FF1A}'..='\u{FF20}'
            | '\u{FF3B}'..='\u{FF40}'
            | '\u{FF5B}'..='\u{FF65}'
            | '\u{FFF0}'..='\u{FFFF}'
            | '\u{1F000}'..='\u{1FAFF}'
            // Planes 4-13 are unassigned.
            | '\u{40000}'..='\u{DFFFF}'
            | '\u{F0000}'..
    );
    !symbol_block || c.is_alphabetic()
}

/// The main combining-mark blocks, standing in for general categories Mn, Mc and Me.
fn is_combining_mark(c: char) -> bool {
    matches!(
        c,
        '\u{0300}'..='\u{036F}'
            | '\u{0483}'..='\u{0489}'
            | '\u{0591}'..='\u{05BD}'
            | '\u{1AB0}'..='\u{1AFF}'
            | '\u{1DC0}'..='\u{1DFF}'
            | '\u{20D0}'..='\u{20FF}'
            | '\u{FE20}'..='\u{FE2F}'
    )
}

#[cfg(test)]
mod tests;
