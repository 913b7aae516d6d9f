//! What a guide guarantees for a type or a JSON Schema, rule by rule, and what only the validator
//! checks.

mod schema;

use std::fmt;

use outlines_core::Structured;
use outlines_core::schema::inventory::{Rule, RuleKind, inventory};
use serde_json::Value;

use crate::transform::{check, compile};
use crate::{GuideError, Layout};

/// Every rule of a type or a JSON Schema with who enforces it: the token grammar (the output cannot break it), the
/// grammar in a stricter form (it cannot break it, and cannot use all of what the validator allows),
/// or the validator alone (the output may break it, and is then repaired or rejected).
#[derive(Clone, Debug, PartialEq)]
pub struct Coverage {
    /// The type's name, or the schema's `title` (`schema` without one).
    pub name: String,
    /// Its rules, in declaration order (a schema's: in document order, a definition's at the
    /// first place that refers to it).
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
        let rules = inventory(&schema);
        let covered = rules
            .iter()
            .map(|rule| Covered {
                by: match enforcement(rule) {
                    Enforcement::Grammar if negative_fraction(rule, &rules) => {
                        Enforcement::Validator(crate::transform::reasons::NEGATIVE_FRACTIONS)
                    }
                    by => by,
                },
                rule: rule.clone(),
            })
            .collect();
        Coverage {
            name,
            rules: covered,
        }
    }

    /// The coverage of the guide for a JSON Schema known only at run time
    /// ([`Guide::from_json_schema`](crate::Guide::from_json_schema)), read from what the rewrite
    /// for llguidance did to each of its rules: enforced, enforced in a stricter form, or dropped
    /// and left to the validator. The same errors as the guide's for a schema it refuses.
    ///
    /// Paths are those of the values the rules apply to: `name`, `items[]`, `pair[0]`, `counts{}`
    /// (an object's other keys), `counts{/^x-/}` (keys matching a pattern), `shape<1>` (a branch
    /// of `anyOf`/`oneOf`), `$` (the value itself); an `allOf` member's rules are at the path of
    /// its value.
    ///
    /// ```
    /// use outlines_guide::{Coverage, Enforcement};
    /// use serde_json::json;
    ///
    /// let coverage = Coverage::of_schema(&json!({
    ///     "title": "Tags",
    ///     "type": "array",
    ///     "items": {"type": "string", "maxLength": 20},
    ///     "uniqueItems": true,
    /// }))?;
    /// let length = coverage.rules.iter().find(|c| c.rule.path == "$[]" && c.rule.text == "at most 20 characters");
    /// assert_eq!(length.map(|c| c.by), Some(Enforcement::Grammar));
    /// let unique = coverage.post_checked().next().unwrap();
    /// assert_eq!(unique.rule.text, "no two items equal");
    /// # Ok::<(), outlines_guide::GuideError>(())
    /// ```
    pub fn of_schema(schema: &Value) -> Result<Coverage, GuideError> {
        let rules = compile(schema, Layout::Compact, check, |plan, ()| {
            Ok(schema::rows(&plan))
        })?;
        let name = schema
            .get("title")
            .and_then(Value::as_str)
            .unwrap_or("schema")
            .to_owned();
        Ok(Coverage { name, rules })
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
        RuleKind::FormatMatch => format_enforcement(&rule.text),
        _ => Enforcement::Grammar,
    }
}

/// Whether `rule` is a fractional `multiple_of` on a number that may be negative, which the
/// rewrite lets in between -1 and 0 (see `negative_fractions` there).
fn negative_fraction(rule: &Rule, rules: &[Rule]) -> bool {
    let fractional = rule.kind == RuleKind::MultipleOf
        && rule
            .text
            .strip_prefix("a multiple of ")
            .and_then(|m| m.parse::<f64>().ok())
            .is_some_and(|m| m.fract() != 0.0);
    let non_negative = rules.iter().any(|r| {
        r.path == rule.path
            && r.kind == RuleKind::NumberRange
            && (r.text.starts_with("integer")
                || r.text.split(", ").any(|bound| {
                    ["≥ ", "> "].iter().any(|sign| {
                        bound
                            .strip_prefix(sign)
                            .and_then(|b| b.parse::<f64>().ok())
                            .is_some_and(|b| b >= 0.0)
                    })
                }))
    });
    fractional && !non_negative
}

/// Who enforces one of the validator's formats: the grammar, with the extra pattern the rewrite
/// adds to some.
fn format_enforcement(format: &str) -> Enforcement {
    match format {
        "date-time" | "time" => Enforcement::Stricter("no leap second"),
        "email" => Enforcement::Stricter("no quoted local part, no IP literal, no xn-- label"),
        "hostname" => Enforcement::Stricter("no xn-- label"),
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
