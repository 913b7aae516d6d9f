//! How the text outputs quote replies, patterns and lists in prompts and messages: bounded, and in
//! a form a model will not copy wrongly (bare lines when they are unambiguous, JSON strings when
//! they are not).

/// A string as a JSON string literal (`"a\nb"`).
pub(super) fn quote(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_default()
}

/// The first `n` characters of `s`, quoted, with `…` when cut.
pub(super) fn head(s: &str, n: usize) -> String {
    match s.char_indices().nth(n) {
        Some((at, _)) => quote(&format!("{}…", &s[..at])),
        None => quote(s),
    }
}

/// The last `n` characters of `s`, quoted, with `…` when cut.
pub(super) fn tail(s: &str, n: usize) -> String {
    let count = s.chars().count();
    match count.checked_sub(n).filter(|skip| *skip > 0) {
        Some(skip) => {
            let at = s.char_indices().nth(skip).map_or(s.len(), |(at, _)| at);
            quote(&format!("…{}", &s[at..]))
        }
        None => quote(s),
    }
}

/// `s` as a Markdown code span, shortened to `limit` characters: `` `\d+` ``, with more backticks
/// around a pattern that has some.
pub(super) fn code_span(s: &str, limit: usize) -> String {
    let shown = match s.char_indices().nth(limit) {
        Some((at, _)) => format!("{}…", &s[..at]),
        None => s.to_owned(),
    };
    let mut longest = 0;
    let mut run = 0;
    for c in shown.chars() {
        run = if c == '`' { run + 1 } else { 0 };
        longest = longest.max(run);
    }
    let fence = "`".repeat(longest + 1);
    if longest > 0 {
        format!("{fence} {shown} {fence}")
    } else {
        format!("{fence}{shown}{fence}")
    }
}

/// Items one per line, bare when every one is a non-empty single line without surrounding
/// whitespace, else as JSON strings (the returned flag says which). At most `limit_items` items
/// and about `limit_chars` characters are listed; a last line counts the rest.
pub(super) fn listing(items: &[String], limit_items: usize, limit_chars: usize) -> (String, bool) {
    let bare = items.iter().all(|item| {
        !item.is_empty() && !item.contains(['\n', '\r']) && item.trim() == item && item != "…"
    });
    let mut out = String::new();
    let mut listed = 0;
    for item in items {
        if listed == limit_items || out.len() > limit_chars {
            break;
        }
        if bare {
            out.push_str(&head_bare(item, 200));
        } else {
            out.push_str(&head(item, 200));
        }
        out.push('\n');
        listed += 1;
    }
    if listed < items.len() {
        out.push_str(&format!("… and {} more\n", items.len() - listed));
    }
    (out, bare)
}

fn head_bare(s: &str, n: usize) -> String {
    match s.char_indices().nth(n) {
        Some((at, _)) => format!("{}…", &s[..at]),
        None => s.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn excerpts_are_bounded_and_quoted() {
        assert_eq!(head("abcdef", 3), r#""abc…""#);
        assert_eq!(head("ab", 3), r#""ab""#);
        assert_eq!(tail("abcdef", 3), r#""…def""#);
        assert_eq!(tail("abc", 3), r#""abc""#);
        assert_eq!(tail("é\nü", 5), r#""é\nü""#);
        assert_eq!(code_span(r"\d+", 10), r"`\d+`");
        assert_eq!(code_span("a`b", 10), "`` a`b ``");
        assert_eq!(code_span("abcdef", 3), "`abc…`");
    }

    #[test]
    fn listings_are_bare_when_unambiguous() {
        let items = vec!["yes".to_owned(), "no".to_owned()];
        assert_eq!(listing(&items, 10, 1000), ("yes\nno\n".to_owned(), true));
        let items = vec![" yes".to_owned(), "a\nb".to_owned(), "c".to_owned()];
        assert_eq!(
            listing(&items, 2, 1000),
            ("\" yes\"\n\"a\\nb\"\n… and 1 more\n".to_owned(), false)
        );
    }
}
