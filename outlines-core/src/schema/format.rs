//! The string formats the IR knows (`#[outline(format = "...")]`): their names and how they read in
//! prompts and messages. Checking a string against one is the validator's (`rules::format`).

/// A string format from `#[outline(format = "...")]`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Format {
    /// `email`: an RFC 5321 mailbox such as `name@example.com`.
    Email,
    /// `uri`: an absolute RFC 3986 URI such as `https://example.com/path?q=1`.
    Uri,
    /// `uuid`: an RFC 9562 UUID in its hyphenated hex form.
    Uuid,
    /// `date`: an RFC 3339 `full-date`, `YYYY-MM-DD`.
    Date,
    /// `date-time`: an RFC 3339 `date-time`, `YYYY-MM-DDTHH:MM:SS[.frac](Z|±HH:MM)`.
    DateTime,
    /// `time`: an RFC 3339 `full-time`, `HH:MM:SS[.frac](Z|±HH:MM)`.
    Time,
    /// `ipv4`: a dotted-quad IPv4 address.
    Ipv4,
    /// `ipv6`: an RFC 4291 IPv6 address in text form.
    Ipv6,
    /// `hostname`: an RFC 1123 host name.
    Hostname,
}

impl Format {
    /// Every format, in the order above.
    pub const ALL: [Format; 9] = [
        Format::Email,
        Format::Uri,
        Format::Uuid,
        Format::Date,
        Format::DateTime,
        Format::Time,
        Format::Ipv4,
        Format::Ipv6,
        Format::Hostname,
    ];

    /// The JSON Schema name: "email", "uri", "uuid", "date", "date-time", "time", "ipv4", "ipv6", "hostname".
    pub fn name(self) -> &'static str {
        match self {
            Format::Email => "email",
            Format::Uri => "uri",
            Format::Uuid => "uuid",
            Format::Date => "date",
            Format::DateTime => "date-time",
            Format::Time => "time",
            Format::Ipv4 => "ipv4",
            Format::Ipv6 => "ipv6",
            Format::Hostname => "hostname",
        }
    }

    /// Inverse of `name`.
    pub fn from_name(name: &str) -> Option<Format> {
        Format::ALL.into_iter().find(|format| format.name() == name)
    }

    /// A short human phrase for error messages and prompts, with an example,
    /// e.g. "an email address (like name@example.com)".
    pub fn phrase(self) -> &'static str {
        match self {
            Format::Email => "an email address (like name@example.com)",
            Format::Uri => "an absolute URI (like https://example.com/path)",
            Format::Uuid => "a UUID (like 123e4567-e89b-12d3-a456-426614174000)",
            Format::Date => "a date YYYY-MM-DD (like 2024-01-31)",
            Format::DateTime => "an RFC 3339 date-time (like 2024-01-31T09:30:00Z)",
            Format::Time => "an RFC 3339 time with a UTC offset (like 09:30:00Z)",
            Format::Ipv4 => "an IPv4 address (like 192.168.0.1)",
            Format::Ipv6 => "an IPv6 address (like 2001:db8::1)",
            Format::Hostname => "a hostname (like api.example.com)",
        }
    }

    /// A terse hint for prompt descriptions, where every token counts.
    pub fn hint(self) -> &'static str {
        match self {
            Format::Email => "email",
            Format::Uri => "absolute URI",
            Format::Uuid => "UUID",
            Format::Date => "YYYY-MM-DD",
            Format::DateTime => "RFC 3339 date-time",
            Format::Time => "HH:MM:SS with UTC offset",
            Format::Ipv4 => "IPv4",
            Format::Ipv6 => "IPv6",
            Format::Hostname => "hostname",
        }
    }
}
