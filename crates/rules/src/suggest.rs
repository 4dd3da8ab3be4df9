//! "Did you mean" hints: the one place that picks the known name closest to a misspelt one.

/// How alike (Jaro-Winkler, 0..=1) two names must be for one to be offered for the other.
const LIKENESS: f64 = 0.8;

/// The candidate closest to `word`, if one is close enough to be what was meant.
pub fn closest<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    candidates
        .into_iter()
        .map(|c| (strsim::jaro_winkler(word, c), c))
        .filter(|(score, _)| *score > LIKENESS)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| c)
}

/// `; did you mean `x`?` for the closest candidate, or nothing.
pub fn did_you_mean<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> String {
    did_you_mean_or(word, candidates, String::new)
}

/// `; did you mean `x`?` for the closest candidate, else what `otherwise` says.
pub fn did_you_mean_or<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
    otherwise: impl FnOnce() -> String,
) -> String {
    closest(word, candidates).map_or_else(otherwise, |c| format!("; did you mean `{c}`?"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offers_the_closest_name_and_nothing_for_a_stranger() {
        let names = ["host.cpu.cores", "host.memory.total", "jdk.vendor"];
        assert_eq!(closest("host.cpu.core", names), Some("host.cpu.cores"));
        assert_eq!(
            did_you_mean("jdk.vendr", names),
            "; did you mean `jdk.vendor`?"
        );
        assert_eq!(closest("zzz", names), None);
        assert_eq!(did_you_mean("zzz", names), "");
        assert_eq!(did_you_mean_or("zzz", names, || "; none".into()), "; none");
    }
}
