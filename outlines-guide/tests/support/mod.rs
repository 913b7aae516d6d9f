//! What the test binaries share: the test types, each with its guide and validator, random
//! walks over masks, the vocabularies, and a seeded random stream.
#![allow(dead_code)] // each binary uses its part

pub(crate) mod types;
pub(crate) mod walk;

use outlines::Structured;
use outlines_guide::{Coverage, Guide, GuideError, Layout, Vocabulary};
use types::*;

/// Why a text is invalid: the error paths, and the whole message.
pub(crate) type Invalid = (Vec<String>, String);

/// A type's name, its guide, its validator (the error paths and the whole message on failure), and
/// its coverage.
pub(crate) struct Case {
    pub(crate) name: &'static str,
    pub(crate) guide: fn(&Vocabulary) -> Result<Guide, GuideError>,
    pub(crate) spaced: fn(&Vocabulary) -> Result<Guide, GuideError>,
    pub(crate) validate: fn(&str) -> Result<(), Invalid>,
    pub(crate) coverage: fn() -> Coverage,
}

impl Case {
    /// Whether `text` is valid, or fails only on rules the coverage leaves to the validator.
    pub(crate) fn sound(&self, text: &str) -> Result<(), String> {
        let Err((paths, message)) = (self.validate)(text) else {
            return Ok(());
        };
        let coverage = (self.coverage)();
        let post: Vec<String> = coverage
            .post_checked()
            .map(|c| c.rule.path.clone())
            .collect();
        // An error at `items[2]` is about the rule at `items`.
        let unlisted: Vec<&String> = paths
            .iter()
            .filter(|path| {
                !post
                    .iter()
                    .any(|p| **path == *p || path.starts_with(&format!("{p}[")))
            })
            .collect();
        if unlisted.is_empty() {
            Ok(())
        } else {
            Err(format!(
                "{message}\n(not post-checked: {unlisted:?}; post-checked: {post:?})"
            ))
        }
    }
}

macro_rules! cases {
    ($($t:ident),* $(,)?) => {
        vec![$(Case {
            name: stringify!($t),
            guide: Guide::of::<$t>,
            spaced: |vocab| Guide::laid_out::<$t>(vocab, Layout::Spaced),
            validate: |text| {
                $t::from_json(text).map(|_| ()).map_err(|e| {
                    (e.errors().iter().map(|e| e.path().to_string()).collect(), e.to_string())
                })
            },
            coverage: Coverage::of::<$t>,
        }),*]
    };
}

pub(crate) fn cases() -> Vec<Case> {
    cases!(
        Person,
        Numbers,
        Strings,
        Formats,
        Order,
        Sets,
        Unique,
        Shape,
        Event,
        Message,
        Id,
        Documented,
        Enums,
        Tree,
        Forest,
        Nest,
        Lists,
        WithFlatten,
        Tuples,
        Closed,
        Open,
        Anything,
        Small,
        Pats,
        Contact,
        Invoice,
    )
}

pub(crate) fn vocabularies() -> [Vocabulary; 2] {
    [
        Vocabulary::o200k().expect("o200k"),
        Vocabulary::cl100k().expect("cl100k"),
    ]
}

/// splitmix64: a seeded, portable random stream.
pub(crate) struct Rng(pub(crate) u64);

impl Rng {
    pub(crate) fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    pub(crate) fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}
