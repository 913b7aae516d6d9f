//! Why a rule is enforced only in a stricter form, or left to the validator: the words of the
//! coverage report.

// Stricter.

/// Integers the grammar writes.
pub(crate) const INT_RANGE: &str = "within ±(2^63 − 1024)";
/// Numbers the grammar writes.
pub(crate) const FLOAT_RANGE: &str = "within ±1e18";
/// Any JSON value, as the grammar writes it.
pub(crate) const ANY_NUMBERS: &str = "numbers within ±1e18";
/// An object the schema leaves open.
pub(crate) const CLOSED_OBJECT: &str = "no keys but the declared ones";

// The validator alone.

pub(crate) const UNIQUE: &str = "llguidance has no uniqueItems";
pub(crate) const CONTAINS: &str = "llguidance has no contains";
pub(crate) const NOT: &str = "llguidance has no not";
pub(crate) const CONDITIONAL: &str = "llguidance has no if/then/else";
pub(crate) const KEY_NAMES: &str = "llguidance has no propertyNames";
pub(crate) const DEPENDENCIES: &str = "llguidance has no dependentRequired/dependentSchemas";
pub(crate) const UNEVALUATED: &str = "llguidance has no unevaluatedProperties/unevaluatedItems";
pub(crate) const DYNAMIC: &str = "llguidance has no dynamic references";
pub(crate) const ONE_OF: &str = "taken as anyOf: a value may match more than one branch";
pub(crate) const PROPERTY_COUNTS: &str =
    "llguidance takes min/maxProperties only where every property is required";
pub(crate) const MULTIPLE: &str =
    "llguidance takes multipleOf only as a positive number of at most 9 significant digits";
pub(crate) const NEGATIVE_FRACTIONS: &str = "llguidance cannot write some fractional multiples between -1 and 0: any number there is let in";
pub(crate) const BIG_INTEGERS: &str =
    "llguidance reads numbers as f64 and cannot write an integer past 2^53 that no f64 equals";
pub(crate) const ROUNDED_BOUND: &str =
    "llguidance reads bounds as f64: past 2^53 the grammar's is the nearest f64 outside it";
pub(crate) const PATTERN: &str =
    "a pattern llguidance cannot read (look-around, backreference, \\b, ...)";
pub(crate) const PATTERN_KEYS: &str =
    "patterns llguidance cannot read or prove disjoint: their keys go by additionalProperties";
pub(crate) const FORMAT: &str = "not one of the formats the grammar enforces";
pub(crate) const BEYOND_INT: &str = "a range beyond ±(2^63 − 1024), which the grammar cannot write";
pub(crate) const BEYOND_FLOAT: &str = "a range beyond ±1e18, which the grammar cannot write";
pub(crate) const UNSPLIT: &str = "the schema is too large to split this node's integer range or \
     type list: the grammar may write -0 or leave an integer unbounded here";
pub(crate) const SEPARATE: &str =
    "llguidance could not intersect this node's parts: the grammar keeps one of them";
pub(crate) const STRUCTURE: &str =
    "llguidance could not compile the schema with it: the grammar keeps its structure";
pub(crate) const ANY: &str =
    "llguidance could not compile the schema: the grammar allows any JSON value";
pub(crate) const TOO_LARGE: &str =
    "the schema is too large for llguidance: the grammar allows any JSON value";
