//! Picking the next token from the logits: greedy, or temperature and nucleus (top-p) sampling from
//! a seeded generator, so a seed gives the same reply every time.

/// How tokens are picked.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Sampling {
    /// 0 (or less) is greedy: the most likely token, always.
    pub(crate) temperature: f32,
    /// Only the most likely tokens whose probabilities add up to `top_p` are drawn from.
    pub(crate) top_p: f32,
    /// The generator's seed.
    pub(crate) seed: u64,
}

/// One generation's sampler.
pub(crate) struct Sampler {
    sampling: Sampling,
    rng: fastrand::Rng,
    /// Scratch: the candidates of one step.
    candidates: Vec<(u32, f32)>,
}

impl Sampler {
    pub(crate) fn new(sampling: Sampling) -> Self {
        Sampler {
            sampling,
            rng: fastrand::Rng::with_seed(sampling.seed),
            candidates: Vec::new(),
        }
    }

    /// The token to take, from logits in which disallowed tokens are −∞. `None` when every token is
    /// disallowed (or the logits are not numbers).
    pub(crate) fn pick(&mut self, logits: &[f32]) -> Option<u32> {
        let temperature = self.sampling.temperature;
        if temperature.is_nan() || temperature <= 0.0 || temperature.is_infinite() {
            return argmax(logits);
        }
        let top = argmax(logits)?;
        let max = logits[top as usize];
        // Probabilities relative to the most likely token, at this temperature.
        self.candidates.clear();
        self.candidates.extend(
            logits
                .iter()
                .enumerate()
                .filter(|(_, l)| l.is_finite())
                .map(|(id, &l)| (id as u32, ((l - max) / temperature).exp()))
                .filter(|&(_, p)| p > 0.0),
        );
        let top_p = self.sampling.top_p;
        if top_p > 0.0 && top_p < 1.0 {
            self.candidates
                .sort_unstable_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
            let total: f32 = self.candidates.iter().map(|c| c.1).sum();
            let mut sum = 0.0;
            let keep = self
                .candidates
                .iter()
                .position(|c| {
                    sum += c.1;
                    sum >= top_p * total
                })
                .map_or(self.candidates.len(), |i| i + 1);
            self.candidates.truncate(keep);
        }
        let total: f32 = self.candidates.iter().map(|c| c.1).sum();
        let mut point = self.rng.f32() * total;
        for &(id, p) in &self.candidates {
            if point < p {
                return Some(id);
            }
            point -= p;
        }
        // Rounding left the point past the end: the last candidate.
        self.candidates.last().map(|c| c.0).or(Some(top))
    }
}

/// The most likely token (the lowest id on ties); `None` when no logit is a finite number.
fn argmax(logits: &[f32]) -> Option<u32> {
    let mut best: Option<(usize, f32)> = None;
    for (id, &logit) in logits.iter().enumerate() {
        if logit.is_finite() && best.is_none_or(|(_, b)| logit > b) {
            best = Some((id, logit));
        }
    }
    best.map(|(id, _)| id as u32)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sampler(temperature: f32, top_p: f32, seed: u64) -> Sampler {
        Sampler::new(Sampling {
            temperature,
            top_p,
            seed,
        })
    }

    #[test]
    fn greedy_takes_the_most_likely_allowed_token() {
        let mut s = sampler(0.0, 1.0, 0);
        assert_eq!(s.pick(&[1.0, 3.0, f32::NEG_INFINITY, 3.0]), Some(1));
        assert_eq!(s.pick(&[f32::NEG_INFINITY, 0.5]), Some(1));
        assert_eq!(s.pick(&[f32::NEG_INFINITY, f32::NAN]), None);
        assert_eq!(s.pick(&[]), None);
    }

    #[test]
    fn sampling_never_takes_a_disallowed_token_and_follows_the_odds() {
        let logits = [0.0, f32::NEG_INFINITY, 2.0_f32.ln(), 0.0];
        let mut s = sampler(1.0, 1.0, 7);
        let mut counts = [0usize; 4];
        for _ in 0..8000 {
            counts[s.pick(&logits).unwrap() as usize] += 1;
        }
        assert_eq!(counts[1], 0);
        // Odds 1 : 2 : 1.
        assert!((3600..4400).contains(&counts[2]), "{counts:?}");
        assert!((1600..2400).contains(&counts[0]), "{counts:?}");
    }

    #[test]
    fn top_p_keeps_only_the_nucleus() {
        // Probabilities 0.7, 0.2, 0.1: top_p 0.8 keeps the first two.
        let logits = [0.7_f32.ln(), 0.2_f32.ln(), 0.1_f32.ln()];
        let mut s = sampler(1.0, 0.8, 3);
        let picks: Vec<u32> = (0..2000).map(|_| s.pick(&logits).unwrap()).collect();
        assert!(!picks.contains(&2));
        assert!(picks.contains(&1));
    }

    #[test]
    fn a_seed_gives_the_same_picks() {
        let logits: Vec<f32> = (0..50).map(|i| (i % 7) as f32 * 0.3).collect();
        let run = |seed| {
            let mut s = sampler(0.8, 0.95, seed);
            (0..100)
                .map(|_| s.pick(&logits).unwrap())
                .collect::<Vec<_>>()
        };
        assert_eq!(run(42), run(42));
        assert_ne!(run(42), run(43));
    }
}
