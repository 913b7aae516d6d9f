//! What a guide guarantees for a type, rule by rule, and what only the validator checks.

use std::fmt;

use outlines_core::Structured;
use outlines_core::schema::inventory::{Rule, RuleKind, inventory};

/// Every rule of a type with who enforces it: the token grammar (the output cannot break it), the
/// grammar in a stricter form (it cannot break it, and cannot use all of what the validator allows),
/// or the validator alone (the output may break it, and is then repaired or rejected).
#[derive(Clone, Debug, PartialEq)]
pub struct Coverage {
    /// The type's name.
    pub name: String,
    /// Its rules, in declaration order.
    pub rules: Vec<Covered>,
}

/// One rule and who enforces it.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct Covered {
    /// The rule.
    pub rule: Rule,
    /// Who enforces it.
    pub by: Enforcement,
}

/// Who enforces a rule.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Enforcement {
    /// The grammar, exactly.
    Grammar,
    /// The grammar, stricter than the validator in the way said.
    Stricter(&'static str),
    /// The validator alone, for the reason said.
    Validator(&'static str),
}

impl Coverage {
    /// The coverage of `T`'s guide.
    pub fn of<T: Structured>() -> Coverage {
        let schema = T::schema();
        let name = match &schema.kind {
            outlines_core::schema::Kind::Ref(r) => r.definition().name.to_string(),
            _ => std::any::type_name::<T>().to_owned(),
        };
        let rules = inventory(&schema)
            .into_iter()
            .map(|rule| Covered {
                by: enforcement(&rule),
                rule,
            })
            .collect();
        Coverage { name, rules }
    }

    /// The rules the grammar guarantees (exactly or stricter).
    pub fn guaranteed(&self) -> impl Iterator<Item = &Covered> {
        self.rules
            .iter()
            .filter(|c| !matches!(c.by, Enforcement::Validator(_)))
    }

    /// The rules only the validator checks.
    pub fn post_checked(&self) -> impl Iterator<Item = &Covered> {
        self.rules
            .iter()
            .filter(|c| matches!(c.by, Enforcement::Validator(_)))
    }
}

/// Integer bounds llguidance cannot take exactly: the `i64`/`u64`/`i128` extremes.
const WIDE_INTEGERS: [&str; 4] = [
    "-9223372036854775808",
    "9223372036854775807",
    "18446744073709551615",
    "170141183460469231731687303715884105727",
];

/// Whether a number range (`≥ 0, < 10`) has a lower and an upper bound of its own (f32's range,
/// ±3.4e38, is beyond what llguidance compiles).
fn bounded_both_ways(text: &str) -> bool {
    (text.contains('≥') || text.contains('>')) && (text.contains('≤') || text.contains('<'))
}

fn enforcement(rule: &Rule) -> Enforcement {
    match rule.kind {
        RuleKind::UniqueItems => Enforcement::Validator("llguidance has no uniqueItems"),
        RuleKind::CustomRule | RuleKind::CrossFieldCheck => {
            Enforcement::Validator("code, which no grammar can carry")
        }
        RuleKind::NumberRange if WIDE_INTEGERS.iter().any(|n| rule.text.contains(n)) => {
            Enforcement::Stricter("within ±(2^63 − 1024)")
        }
        // A number bounded on one side or none is bounded at ±1e18 on the other.
        RuleKind::NumberRange
            if !rule.text.starts_with("integer") && !bounded_both_ways(&rule.text) =>
        {
            Enforcement::Stricter("within ±1e18")
        }
        RuleKind::JsonType if rule.text == "any JSON value" => {
            Enforcement::Stricter("numbers within ±1e18")
        }
        RuleKind::FormatMatch => match rule.text.as_str() {
            "date-time" | "time" => Enforcement::Stricter("no leap second"),
            "email" => Enforcement::Stricter("no quoted local part, no IP literal, no xn-- label"),
            "hostname" => Enforcement::Stricter("no xn-- label"),
            _ => Enforcement::Grammar,
        },
        _ => Enforcement::Grammar,
    }
}

impl fmt::Display for Coverage {
    /// A table: path, rule, enforced by.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (guaranteed, post) = (self.guaranteed().count(), self.post_checked().count());
        writeln!(
            f,
            "{}: {guaranteed} rules guaranteed by the grammar, {post} checked by the validator only",
            self.name
        )?;
        writeln!(f, "| path | rule | enforced by |")?;
        writeln!(f, "|---|---|---|")?;
        for covered in &self.rules {
            let by = match covered.by {
                Enforcement::Grammar => "grammar".to_owned(),
                Enforcement::Stricter(how) => format!("grammar, stricter: {how}"),
                Enforcement::Validator(why) => format!("**validator only**: {why}"),
            };
            writeln!(
                f,
                "| {} | {}: {} | {by} |",
                covered.rule.path, covered.rule.kind, covered.rule.text
            )?;
        }
        Ok(())
    }
}
