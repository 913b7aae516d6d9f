//! Unit tests of the format checks, each sample also checked against the `jsonschema` crate (draft
//! 2020-12, formats asserted); the few deliberate deviations are pinned.

use serde_json::{Value, json};

use super::*;

/// A `{"type":"string","format": name}` validator of the `jsonschema` crate, formats asserted: the
/// reference every sample below is also checked against.
fn reference(format: Format) -> jsonschema::Validator {
    let schema = json!({"type": "string", "format": format.name()});
    jsonschema::draft202012::options()
        .should_validate_formats(true)
        .build(&schema)
        .expect("the schema compiles")
}

/// `valid` are accepted and `invalid` rejected, by us and by `jsonschema` alike.
fn check(format: Format, valid: &[&str], invalid: &[&str]) {
    let reference = reference(format);
    for (samples, expected) in [(valid, true), (invalid, false)] {
        for s in samples {
            assert_eq!(format.is_valid(s), expected, "{} on {s:?}", format.name());
            let theirs = reference.is_valid(&Value::String((*s).to_owned()));
            assert_eq!(
                theirs,
                expected,
                "jsonschema disagrees: {} on {s:?}",
                format.name()
            );
        }
    }
}

#[test]
fn names_round_trip() {
    for format in Format::ALL {
        assert_eq!(Format::from_name(format.name()), Some(format));
        assert!(format.phrase().contains("(like "), "{format:?}");
    }
    assert_eq!(Format::from_name("date-time"), Some(Format::DateTime));
    assert_eq!(Format::from_name("datetime"), None);
    assert_eq!(Format::from_name("Email"), None);
    assert_eq!(Format::from_name(""), None);
}

#[test]
fn phrase_examples_are_valid() {
    for format in Format::ALL {
        let text = format.phrase();
        let start = text.find("(like ").unwrap() + "(like ".len();
        let example = &text[start..text.len() - 1];
        assert!(format.is_valid(example), "{format:?}: {example:?}");
    }
}

#[test]
fn date() {
    check(
        Format::Date,
        &[
            "2024-01-31",
            "2024-02-29",
            "2000-02-29",
            "0000-01-01",
            "9999-12-31",
            "2023-04-30",
        ],
        &[
            "2023-02-29",
            "1900-02-29",
            "2024-02-30",
            "2023-04-31",
            "2023-13-01",
            "2023-00-10",
            "2023-01-00",
            "2023-1-01",
            "20230101",
            "2023/01/01",
            "2023-01-01T00:00:00Z",
            " 2023-01-01",
            "2023-01-0a",
            "+023-01-01",
            "２０２３-01-01",
            "",
        ],
    );
}

#[test]
fn time() {
    check(
        Format::Time,
        &[
            "09:30:00Z",
            "09:30:00z",
            "23:59:59.999999999+05:30",
            "00:00:00-00:00",
            "23:59:60Z",
            "15:59:60-08:00",
            "00:29:60+00:30",
            "23:59:60-00:00",
        ],
        &[
            "09:30:00",
            "24:00:00Z",
            "09:60:00Z",
            "09:30:61Z",
            "22:59:60Z",
            "23:59:60+01:00",
            "09:30:00.Z",
            "09:30:00+5:30",
            "09:30:00+24:00",
            "09:30:00+05:60",
            "09:30:00+0530",
            "9:30:00Z",
            "09:30Z",
            "09:30:00 Z",
            "09:30:00Z ",
            "",
        ],
    );
}

#[test]
fn date_time() {
    check(
        Format::DateTime,
        &[
            "2024-01-31T09:30:00Z",
            "2024-01-31t09:30:00z",
            "2024-02-29T23:59:60Z",
            "1985-04-12T23:20:50.52-04:00",
            "1996-12-19T16:39:57-08:00",
        ],
        &[
            "2024-01-31 09:30:00Z",
            "2024-01-31T09:30:00",
            "2023-02-29T09:30:00Z",
            "2024-01-31T",
            "2024-01-31",
            "T09:30:00Z",
            "2024-01-31TT09:30:00Z",
            "2024-01-31T09:30:00Zé",
            "",
            "2024-01-31T22:59:60Z",
            "2024-01-31T09:30:00+25:00",
        ],
    );
}

#[test]
fn email() {
    check(
        Format::Email,
        &[
            "name@example.com",
            "first.last+tag@sub.example.co.uk",
            "a@b",
            "\"john doe\"@example.com",
            "\"a@b\"@example.com",
            "\"\"@example.com",
            "!#$%&'*+-/=?^_`{|}~@example.com",
            "a@[127.0.0.1]",
            "a@[IPv6:::1]",
            "a@[ipv6:2001:db8::1]",
            "a@xn--4gbwdl.xn--wgbh1c",
        ],
        &[
            "",
            "plainaddress",
            "@example.com",
            "name@",
            ".name@example.com",
            "name.@example.com",
            "na..me@example.com",
            "na me@example.com",
            "name@example.com.",
            "name@-example.com",
            "name@exa_mple.com",
            "é@example.com",
            "name@exämple.com",
            "\"a\"b\"@example.com",
            "a@[256.0.0.1]",
            "a@[IPv6:1.2.3.4]",
            "a@b@example.com",
            "a@[01.2.3.4]",
            "<a@b.com>",
            "a@xn--X.com",
        ],
    );
    let long_local = format!("{}@example.com", "a".repeat(65));
    assert!(!Format::Email.is_valid(&long_local));
    let max_local = format!("{}@example.com", "a".repeat(64));
    assert!(Format::Email.is_valid(&max_local));
}

#[test]
fn uri() {
    check(
        Format::Uri,
        &[
            "https://example.com/path?q=1#frag",
            "http://user:pass@example.com:8080/a/b",
            "mailto:name@example.com",
            "urn:isbn:0451450523",
            "file:///etc/passwd",
            "http:",
            "a+b-c.d:x",
            "http://example.com:/",
            "http://[::1]:80/",
            "http://[v1.x]/",
            "http://a/%7Efoo?x=%2F#y?z/",
            "tel:+1-816-555-1212",
            "http:///a",
            "http://user@[::1]/",
            "http://[V1.x]/",
        ],
        &[
            "",
            "//example.com/path",
            "/relative/path",
            "example.com",
            "1http://a",
            "ht tp://a",
            "http://exa mple.com",
            "http://a/b c",
            "http://a/%zz",
            "http://a/%4",
            "http://a:b/",
            "http://[::1%25eth0]/",
            "http://[1.2.3.4]/",
            "http://[::1]x/",
            "http://a/b#c#d",
            "http://é.com",
            "http://a/\"",
            "http://a/<b>",
            "http://[v.x]/",
            "http://a@b@c/",
        ],
    );
}

#[test]
fn uuid() {
    check(
        Format::Uuid,
        &[
            "123e4567-e89b-12d3-a456-426614174000",
            "00000000-0000-0000-0000-000000000000",
            "FFFFFFFF-FFFF-FFFF-FFFF-FFFFFFFFFFFF",
            "123E4567-e89b-12D3-a456-426614174000",
            "2eb8aa08-aa98-11ea-b4aa-73b441d16380",
        ],
        &[
            "",
            "123e4567e89b12d3a456426614174000",
            "123e4567-e89b-12d3-a456-42661417400",
            "123e4567-e89b-12d3-a456-4266141740000",
            "123e4567-e89b-12d3a-456-426614174000",
            "g23e4567-e89b-12d3-a456-426614174000",
            "{123e4567-e89b-12d3-a456-426614174000}",
            "urn:uuid:123e4567-e89b-12d3-a456-426614174000",
            "123e4567-e89b-12d3-a456-42661417400é",
            "123e4567+e89b+12d3+a456+426614174000",
        ],
    );
}

#[test]
fn ipv4() {
    check(
        Format::Ipv4,
        &["0.0.0.0", "127.0.0.1", "192.168.0.1", "255.255.255.255"],
        &[
            "",
            "256.1.1.1",
            "1.2.3",
            "1.2.3.4.5",
            "01.2.3.4",
            "1.2.3.04",
            "1.2.3.-4",
            " 1.2.3.4",
            "1.2.3.4 ",
            "1..2.3",
            "0x7f.0.0.1",
            "1.2.3.4/24",
            "١.2.3.4",
        ],
    );
}

#[test]
fn ipv6() {
    check(
        Format::Ipv6,
        &[
            "::",
            "::1",
            "2001:db8::1",
            "2001:0DB8:0000:0000:0000:0000:0000:0001",
            "1:2:3:4:5:6:7::",
            "::ffff:192.168.0.1",
            "1:2:3:4:5:6:1.2.3.4",
        ],
        &[
            "",
            "1::2::3",
            ":1",
            "1:",
            "1:2:3:4:5:6:7:8:9",
            "1:2:3:4:5:6:7",
            "12345::1",
            "::g",
            "fe80::1%eth0",
            "[::1]",
            "::1.2.3.256",
            "::01.2.3.4",
            " ::1",
            "::１",
        ],
    );
}

#[test]
fn hostname() {
    check(
        Format::Hostname,
        &[
            "example.com",
            "a",
            "localhost",
            "1.2.3.4",
            "3com.com",
            "a-b.c-d.e",
            "EXAMPLE.COM",
            "xn--4gbwdl.xn--wgbh1c",
            "xn--h2brj9c",
            "xn--nxasmq6b.com",
        ],
        &[
            "",
            ".",
            ".example.com",
            "example.com.",
            "example..com",
            "-example.com",
            "example-.com",
            "exa_mple.com",
            "exa mple.com",
            "exämple.com",
            "ab--cd",
            "xn--X",
            "xn---abc",
            "xn--ls8h.la",
            "XN--aa---o47jg78q",
        ],
    );
    let max_label = "a".repeat(63);
    assert!(Format::Hostname.is_valid(&max_label));
    assert!(!Format::Hostname.is_valid(&"a".repeat(64)));
    // 4 labels of 63 plus 3 dots is 255 characters; trim to exactly 253.
    let long = [max_label.as_str(); 4].join(".");
    assert!(Format::Hostname.is_valid(&long[..253]));
    assert!(!Format::Hostname.is_valid(&long[..254]));
}

#[test]
fn punycode_decodes_known_labels() {
    let mut buffer = ['\0'; 63];
    let len = decode_punycode(b"nxasmq6b", &mut buffer).unwrap();
    assert_eq!(buffer[..len].iter().collect::<String>(), "βόλοσ");
    let len = decode_punycode(b"mnchen-3ya", &mut buffer).unwrap();
    assert_eq!(buffer[..len].iter().collect::<String>(), "münchen");
    assert_eq!(decode_punycode(b"X", &mut buffer), None);
    // An overflowing delta must fail, not wrap or panic.
    assert_eq!(decode_punycode(b"99999999999", &mut buffer), None);
    // More code points than the buffer holds must fail, not panic.
    assert_eq!(decode_punycode(b"aaaa-", &mut buffer[..3]), None);
}

#[test]
fn hostile_inputs_never_panic_and_are_rejected() {
    let huge = "a".repeat(10_000);
    let huge_digits = "1".repeat(10_000);
    let non_ascii = "日本語のテキスト\u{0}\u{FFFF}🎉";
    let inputs = [
        huge.as_str(),
        huge_digits.as_str(),
        non_ascii,
        "\u{0}",
        "é",
        "%",
        "[",
        "]",
        ":",
        "@",
        "\"",
        "-",
        ".",
    ];
    for format in Format::ALL {
        for input in inputs {
            assert!(
                !format.is_valid(input),
                "{format:?} accepted {:?}",
                &input[..input.len().min(20)]
            );
        }
    }
    // Long inputs that are well-formed where the format has no length limit.
    let long_path = format!("https://example.com/{huge}");
    assert!(Format::Uri.is_valid(&long_path));
    let long_fraction = format!("2024-01-31T09:30:00.{huge_digits}Z");
    assert!(Format::DateTime.is_valid(&long_fraction));
    assert!(!Format::Hostname.is_valid(&format!("{huge}.com")));
    assert!(!Format::Email.is_valid(&format!("a@{huge}.com")));
}

#[test]
fn no_strict_prefix_of_a_complete_value_is_valid() {
    // Truncations hit every early exit: none may panic, and for these formats (whose
    // values end in a required suffix or have a fixed width) none may be accepted.
    let samples = [
        (Format::Date, "2024-02-29"),
        (Format::Time, "23:59:60.5+00:00"),
        (Format::DateTime, "2024-02-29T23:59:60Z"),
        (Format::Uuid, "123e4567-e89b-12d3-a456-426614174000"),
        (Format::Email, "\"a b\"@[IPv6:2001:db8::1]"),
    ];
    for (format, sample) in samples {
        assert!(format.is_valid(sample), "{format:?} {sample:?}");
        for end in 0..sample.len() {
            let prefix = &sample[..end];
            assert!(
                !format.is_valid(prefix),
                "{format:?} accepted prefix {prefix:?}"
            );
        }
    }
}

#[test]
fn long_inputs() {
    let label = "a".repeat(63);
    let name_253 = [label.as_str(); 4].join(".")[..253].to_owned();
    let name_254 = format!("{name_253}a");
    let huge = "a".repeat(10_000);
    let digits = "1".repeat(10_000);
    let cases: Vec<(Format, String)> = vec![
        (Format::Hostname, label.clone()),
        (Format::Hostname, format!("{label}a")),
        (Format::Hostname, name_253.clone()),
        (Format::Hostname, name_254),
        (Format::Hostname, huge.clone()),
        (Format::Email, format!("{}@example.com", "a".repeat(64))),
        (Format::Email, format!("{}@example.com", "a".repeat(65))),
        (Format::Email, format!("a@{name_253}")),
        (Format::Uri, format!("https://example.com/{huge}")),
        (Format::Uri, format!("https://{huge}/")),
        (Format::DateTime, format!("2024-01-31T09:30:00.{digits}Z")),
        (Format::Time, format!("09:30:00.{digits}")),
        (Format::Date, huge.clone()),
        (Format::Uuid, huge.clone()),
        (Format::Ipv4, digits.clone()),
        (Format::Ipv6, huge.clone()),
    ];
    let mut accepted = 0;
    for (format, sample) in &cases {
        let theirs = reference(*format).is_valid(&Value::String(sample.clone()));
        assert_eq!(
            format.is_valid(sample),
            theirs,
            "{format:?} on a long input"
        );
        accepted += usize::from(format.is_valid(sample));
    }
    assert_eq!(accepted, 7, "long inputs accepted");
}

/// Samples where we deliberately differ from jsonschema 0.61, each with our answer. This test
/// pins the disagreement, so a jsonschema change that resolves it shows up here.
///
/// - `John <john@example.com>` (email): jsonschema (via `email_address`) accepts an RFC 5322
///   display name; the `email` format is an RFC 5321 `Mailbox`, which has none.
/// - `"a\ b"@example.com` (email): RFC 5321 §4.1.2 `quoted-pairSMTP` is `\` followed by
///   %d32-126, space included; `email_address` only allows %d33-126.
/// - `"a<TAB>b"@example.com` (email): `qtextSMTP` (%d32-33 / %d35-91 / %d93-126) has no tab;
///   `email_address` accepts one.
/// - `XN--4gbwdl.xn--wgbh1c` (hostname): the ACE prefix is case-insensitive (RFC 5890
///   §2.3.2.1), but jsonschema only recognises a lowercase `xn--`.
/// - `xn--aa---o47jg78q` (hostname): it decodes to a U-label with `--` in positions 3-4,
///   which RFC 5891 §4.2.3.1 forbids; jsonschema does not check the decoded label.
///
/// Not pinned here: the U-label code point check approximates Unicode general categories
/// (letters, marks and decimal digits only) without tables, so rare code points inside
/// `xn--` labels can be judged differently - e.g. other-numbers and letter-numbers such as
/// `Ⅻ` pass here, and a ZERO WIDTH JOINER is accepted after any non-ASCII code point rather
/// than only after a virama.
#[test]
fn pinned_deviations() {
    let deviations = [
        (Format::Email, "John <john@example.com>", false),
        (Format::Email, "\"a\\ b\"@example.com", true),
        (Format::Email, "\"a\tb\"@example.com", false),
        (Format::Hostname, "XN--4gbwdl.xn--wgbh1c", true),
        (Format::Email, "a@XN--4gbwdl.xn--wgbh1c", true),
        (Format::Hostname, "xn--aa---o47jg78q", false),
    ];
    for (format, sample, ours) in deviations {
        assert_eq!(format.is_valid(sample), ours, "{format:?} {sample:?}");
        let theirs = reference(format).is_valid(&Value::String(sample.to_owned()));
        assert_eq!(
            theirs, !ours,
            "jsonschema now agrees on {format:?} {sample:?}"
        );
    }
}

#[test]
fn every_format_is_known_to_jsonschema() {
    // An unknown format would make jsonschema accept everything and the tables meaningless.
    for format in Format::ALL {
        let validator = reference(format);
        assert!(
            !validator.is_valid(&json!("\u{0}not a valid value of any format")),
            "{}",
            format.name()
        );
        assert!(!validator.is_valid(&json!(42)), "{}", format.name());
    }
}
