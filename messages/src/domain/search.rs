//! Message search (contract section 9): the query a user typed, parsed into terms, and where a
//! found message's text matches them (`highlights`).
//!
//! The grammar, forgiving on purpose (anything typed is either a query or a clear 400):
//! - a word: every one must match, stemmed (English); the last one also as a prefix; a word of
//!   3 or more characters also matches inside a longer word;
//! - `"an exact phrase"`; a quote left open is ignored;
//! - `-word` or `-"a phrase"`: messages holding it (or its stem) are left out; a lone `-` is
//!   ignored;
//! - `from:USERNAME`: messages of that sender (several: of any of them).
//!
//! Words are runs of letters and digits: any other character separates them, as Postgres' text
//! parser does, so punctuation and SQL metacharacters are never part of a term. In scripts
//! written without spaces (Chinese, Japanese, Thai, …) a run of such characters is a substring
//! to find, since a whole sentence is one "word" there.

use std::collections::HashMap;

/// The longest query accepted, in characters.
pub const MAX_QUERY_CHARS: usize = 200;
/// The most terms (words, phrases, exclusions, senders) one query may hold: each is a condition
/// of the search statement, so this bounds its work.
pub const MAX_TERMS: usize = 32;
/// Inside a word, a run of at least this many characters matches (the trigram index needs 3).
pub const MIN_SUBSTRING_CHARS: usize = 3;

/// One thing to find (or to leave out).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Term {
    /// Letters and digits of a spaced script; `prefix` for the query's last word.
    Word {
        /// As typed.
        text: String,
        /// Also matches words that start with it.
        prefix: bool,
    },
    /// A run of a script written without spaces: found as a substring.
    Substring(String),
    /// `"..."`: the words in this order, or this exact text.
    Phrase(String),
    /// `-word` or `-"phrase"`: messages holding it are left out.
    Excluded(String),
}

/// A parsed search query: at least one term to find or one sender.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SearchQuery {
    terms: Vec<Term>,
    from: Vec<String>,
}

/// Why a query is refused, as a client is told.
pub const EMPTY_QUERY: &str = "Type something to search for.";
/// See [`EMPTY_QUERY`].
pub const LONG_QUERY: &str = "Use at most 200 characters.";
/// See [`EMPTY_QUERY`].
pub const TOO_MANY_TERMS: &str = "Use at most 32 words, phrases and senders.";
/// See [`EMPTY_QUERY`].
pub const NOTHING_TO_FIND: &str = "Search for at least one word, phrase or sender (from:name).";

impl SearchQuery {
    /// Parses `q`; refuses an empty or over-long query, one with too many terms, or one that
    /// only excludes.
    pub fn parse(q: &str) -> Result<Self, &'static str> {
        // Control characters separate like spaces (and a NUL could not reach Postgres at all).
        let q: String = q
            .chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .collect();
        let q = q.trim();
        if q.is_empty() {
            return Err(EMPTY_QUERY);
        }
        if q.chars().count() > MAX_QUERY_CHARS {
            return Err(LONG_QUERY);
        }
        let mut terms = Vec::new();
        let mut from = Vec::new();
        for chunk in chunks(q) {
            match chunk {
                Chunk::Phrase { text, excluded } => {
                    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
                    if has_word_chars(&text) {
                        terms.push(if excluded {
                            Term::Excluded(text)
                        } else {
                            Term::Phrase(text)
                        });
                    }
                }
                Chunk::Bare(text) => {
                    if let Some(name) = strip_prefix_ignore_case(text, "from:") {
                        if !name.is_empty() {
                            from.push(name.to_lowercase());
                        }
                    } else if let Some(word) = text.strip_prefix('-') {
                        if has_word_chars(word) {
                            terms.push(Term::Excluded(word.to_owned()));
                        }
                    } else {
                        for run in runs(text) {
                            terms.push(match run.kind {
                                RunKind::Spaced => Term::Word {
                                    text: run.text.to_owned(),
                                    prefix: false,
                                },
                                RunKind::Unspaced => Term::Substring(run.text.to_owned()),
                            });
                        }
                    }
                }
            }
            if terms.len() + from.len() > MAX_TERMS {
                return Err(TOO_MANY_TERMS);
            }
        }
        if let Some(Term::Word { prefix, .. }) = terms.last_mut() {
            *prefix = true;
        }
        let finds = terms.iter().any(|t| !matches!(t, Term::Excluded(_)));
        if !finds && from.is_empty() {
            return Err(NOTHING_TO_FIND);
        }
        Ok(Self { terms, from })
    }

    /// The terms, in the order typed.
    pub fn terms(&self) -> &[Term] {
        &self.terms
    }

    /// The senders' usernames, lower-cased.
    pub fn from(&self) -> &[String] {
        &self.from
    }

    /// The words whose stems highlighting needs: every word, and the words of every phrase.
    pub fn words(&self) -> Vec<&str> {
        let mut words = Vec::new();
        for term in &self.terms {
            match term {
                Term::Word { text, .. } => words.push(text.as_str()),
                Term::Phrase(text) => words.extend(
                    runs(text)
                        .filter(|r| r.kind == RunKind::Spaced)
                        .map(|r| r.text),
                ),
                Term::Substring(_) | Term::Excluded(_) => {}
            }
        }
        words
    }
}

impl SearchQuery {
    /// The lower-cased words whose stems [`highlights`] needs for `contents`: the query's words
    /// (and its phrases' words), and the words of `contents` that could share a stem with one
    /// of them (they begin alike), so that only a few go to the stemmer.
    pub fn words_to_stem<'a>(&self, contents: impl IntoIterator<Item = &'a str>) -> Vec<String> {
        let wanted: Vec<String> = self.words().iter().map(|w| w.to_lowercase()).collect();
        if wanted.is_empty() {
            return Vec::new();
        }
        let mut words: std::collections::BTreeSet<String> = wanted.iter().cloned().collect();
        for content in contents {
            for run in runs(content).filter(|r| r.kind == RunKind::Spaced) {
                let word = run.text.to_lowercase();
                if wanted.iter().any(|w| begin_alike(w, &word)) {
                    words.insert(word);
                }
            }
        }
        words.into_iter().collect()
    }
}

/// Whether two words share their first 3 characters (all of the shorter one's if it has fewer):
/// what any two words with one stem do.
fn begin_alike(a: &str, b: &str) -> bool {
    let shared = a.chars().zip(b.chars()).take_while(|(x, y)| x == y).count();
    let shortest = a.chars().count().min(b.chars().count());
    shared >= shortest.min(MIN_SUBSTRING_CHARS)
}

/// `%text%` for `ILIKE`, with `\`, `%` and `_` escaped (backslash is `LIKE`'s default escape).
pub fn contains_pattern(text: &str) -> String {
    let mut pattern = String::with_capacity(text.len() + 2);
    pattern.push('%');
    for c in text.chars() {
        if matches!(c, '\\' | '%' | '_') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
    pattern
}

/// Whether `text` is long enough to be found inside a word.
pub fn is_substring_long_enough(text: &str) -> bool {
    text.chars().count() >= MIN_SUBSTRING_CHARS
}

/// Whether `text` holds characters of a script written without spaces.
pub fn has_unspaced_script(text: &str) -> bool {
    text.chars().any(is_unspaced)
}

enum Chunk<'a> {
    /// Text between quotes; `excluded` if the opening quote followed a `-`.
    Phrase { text: &'a str, excluded: bool },
    /// Text up to the next space or quote.
    Bare(&'a str),
}

/// Splits a query into quoted phrases and bare chunks. An opening quote without its closing
/// quote is ignored.
fn chunks(q: &str) -> Vec<Chunk<'_>> {
    let mut out = Vec::new();
    let mut rest = q;
    loop {
        rest = rest.trim_start();
        if rest.is_empty() {
            return out;
        }
        let (excluded, after_minus) = match rest.strip_prefix("-\"") {
            Some(after) => (true, Some(after)),
            None => (false, rest.strip_prefix('"')),
        };
        if let Some(inner) = after_minus {
            if let Some(end) = inner.find('"') {
                out.push(Chunk::Phrase {
                    text: &inner[..end],
                    excluded,
                });
                rest = &inner[end + 1..];
            } else {
                // Unbalanced: the quote is dropped, what follows is read as bare words.
                rest = inner;
            }
            continue;
        }
        let end = rest
            .find(|c: char| c.is_whitespace() || c == '"')
            .unwrap_or(rest.len());
        // A quote in the middle of a chunk ends it; the loop reads the quote next.
        let end = if end == 0 { 1 } else { end };
        out.push(Chunk::Bare(&rest[..end]));
        rest = &rest[end..];
    }
}

fn strip_prefix_ignore_case<'a>(text: &'a str, prefix: &str) -> Option<&'a str> {
    let head = text.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| &text[prefix.len()..])
}

fn has_word_chars(text: &str) -> bool {
    runs(text).next().is_some()
}

/// Characters of scripts written without spaces between words: Han, kana, Thai, Lao, Khmer,
/// Myanmar.
fn is_unspaced(c: char) -> bool {
    matches!(
        c,
        '\u{0E00}'..='\u{0EFF}'
            | '\u{1000}'..='\u{109F}'
            | '\u{1780}'..='\u{17FF}'
            | '\u{3040}'..='\u{30FF}'
            | '\u{31F0}'..='\u{31FF}'
            | '\u{3400}'..='\u{4DBF}'
            | '\u{4E00}'..='\u{9FFF}'
            | '\u{F900}'..='\u{FAFF}'
            | '\u{FF66}'..='\u{FF9F}'
            | '\u{20000}'..='\u{2FFFF}'
    )
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum RunKind {
    Spaced,
    Unspaced,
}

/// A run of word characters of one kind, with where it lies.
#[derive(Clone, Copy, Debug)]
struct Run<'a> {
    text: &'a str,
    kind: RunKind,
    /// Byte offset in the text.
    start: usize,
}

fn char_kind(c: char) -> Option<RunKind> {
    if is_unspaced(c) {
        Some(RunKind::Unspaced)
    } else if c.is_alphanumeric() {
        Some(RunKind::Spaced)
    } else {
        None
    }
}

/// The words of `text`: maximal runs of letters and digits of one kind.
fn runs(text: &str) -> impl Iterator<Item = Run<'_>> {
    let mut chars = text.char_indices().peekable();
    std::iter::from_fn(move || {
        let (start, kind) = loop {
            let (i, c) = chars.next()?;
            if let Some(kind) = char_kind(c) {
                break (i, kind);
            }
        };
        let mut end = text.len();
        while let Some(&(i, c)) = chars.peek() {
            if char_kind(c) != Some(kind) {
                end = i;
                break;
            }
            chars.next();
        }
        Some(Run {
            text: &text[start..end],
            kind,
            start,
        })
    })
}

/// A match in a message's text: `[start, end)` in UTF-16 code units, as JavaScript counts.
pub type Highlight = [usize; 2];

/// Where `content` matches `query`, sorted and merged. `stems` maps lower-cased words to their
/// English stems, as the database stems them (a word missing from it is its own stem). Whole
/// words are marked when they match a query word by stem, or start with the last query word;
/// substrings (runs inside words, phrases, scripts without spaces) are marked as found.
pub fn highlights(
    content: &str,
    query: &SearchQuery,
    stems: &HashMap<String, String>,
) -> Vec<Highlight> {
    let stem_of = |word: &str| -> String {
        let lower = word.to_lowercase();
        stems.get(&lower).cloned().unwrap_or(lower)
    };
    let text = FoldedText::new(content);
    let mut found: Vec<Highlight> = Vec::new();
    let mark_words = |wanted: &str, prefix: bool, found: &mut Vec<Highlight>| {
        let lower = wanted.to_lowercase();
        let stem = stem_of(wanted);
        for run in runs(content).filter(|r| r.kind == RunKind::Spaced) {
            let word = run.text.to_lowercase();
            let matches = word == lower
                || stem_of(run.text) == stem
                || (prefix && (word.starts_with(&lower) || word.starts_with(&stem)));
            if matches {
                found.push(text.span(run.start, run.start + run.text.len()));
            }
        }
    };
    for term in &query.terms {
        match term {
            Term::Word { text: word, prefix } => {
                mark_words(word, *prefix, &mut found);
                if is_substring_long_enough(word) {
                    found.extend(text.find_all(word));
                }
            }
            Term::Substring(run) => found.extend(text.find_all(run)),
            Term::Phrase(phrase) => {
                let before = found.len();
                found.extend(text.find_all(phrase));
                if found.len() == before {
                    // Matched by stems (the words in order, inflected): mark those words.
                    for run in runs(phrase) {
                        match run.kind {
                            RunKind::Spaced => mark_words(run.text, false, &mut found),
                            RunKind::Unspaced => found.extend(text.find_all(run.text)),
                        }
                    }
                }
            }
            Term::Excluded(_) => {}
        }
    }
    merge(found)
}

/// Sorts ranges and joins those that overlap or touch.
fn merge(mut ranges: Vec<Highlight>) -> Vec<Highlight> {
    ranges.sort_unstable();
    let mut merged: Vec<Highlight> = Vec::with_capacity(ranges.len());
    for [start, end] in ranges {
        match merged.last_mut() {
            Some(last) if start <= last[1] => last[1] = last[1].max(end),
            _ => merged.push([start, end]),
        }
    }
    merged
}

/// A text lower-cased character by character (so positions stay aligned), with the UTF-16
/// offset of every byte position of the folded copy.
struct FoldedText {
    folded: String,
    /// UTF-16 offset in the original of each byte offset of `folded` (char boundaries only).
    utf16_at: Vec<usize>,
    /// Byte offset in `folded` of each byte offset of the original (char boundaries only).
    folded_at: Vec<usize>,
}

impl FoldedText {
    fn new(original: &str) -> Self {
        let mut folded = String::with_capacity(original.len());
        let mut utf16_at = Vec::with_capacity(original.len() + 1);
        let mut folded_at = vec![0; original.len() + 1];
        let mut utf16 = 0;
        for (i, c) in original.char_indices() {
            folded_at[i] = folded.len();
            let f = fold(c);
            for _ in 0..f.len_utf8() {
                utf16_at.push(utf16);
            }
            folded.push(f);
            utf16 += c.len_utf16();
        }
        folded_at[original.len()] = folded.len();
        utf16_at.push(utf16);
        Self {
            folded,
            utf16_at,
            folded_at,
        }
    }

    /// The UTF-16 range of the original's bytes `start..end`.
    fn span(&self, start: usize, end: usize) -> Highlight {
        [
            self.utf16_at[self.folded_at[start]],
            self.utf16_at[self.folded_at[end]],
        ]
    }

    /// Every place `needle` occurs, ignoring case, as UTF-16 ranges of the original.
    fn find_all(&self, needle: &str) -> Vec<Highlight> {
        let needle: String = needle.chars().map(fold).collect();
        if needle.is_empty() {
            return Vec::new();
        }
        self.folded
            .match_indices(needle.as_str())
            .map(|(at, m)| [self.utf16_at[at], self.utf16_at[at + m.len()]])
            .collect()
    }
}

/// A character's lower case when that is one character (nearly always), else itself: position
/// for position, so offsets need no remapping.
fn fold(c: char) -> char {
    let mut lower = c.to_lowercase();
    match (lower.next(), lower.next()) {
        (Some(l), None) => l,
        _ => c,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn word(text: &str, prefix: bool) -> Term {
        Term::Word {
            text: text.into(),
            prefix,
        }
    }

    fn parse(q: &str) -> SearchQuery {
        SearchQuery::parse(q).unwrap()
    }

    #[test]
    fn words_phrases_exclusions_and_senders_are_told_apart() {
        let q = parse(r#"lunch "next friday" -pizza from:Ann tea"#);
        assert_eq!(
            q.terms(),
            &[
                word("lunch", false),
                Term::Phrase("next friday".into()),
                Term::Excluded("pizza".into()),
                word("tea", true),
            ]
        );
        assert_eq!(q.from(), &["ann".to_owned()]);
    }

    #[test]
    fn only_the_last_term_is_a_prefix_and_only_if_it_is_a_word() {
        assert_eq!(parse("run fa").terms()[1], word("fa", true));
        assert_eq!(parse("run fa").terms()[0], word("run", false));
        assert_eq!(parse(r#"run "x y""#).terms()[0], word("run", false));
    }

    #[test]
    fn punctuation_separates_words_and_never_reaches_a_term() {
        let q = parse("'; DROP TABLE messages; -- e-mail 100% a_b");
        let texts: Vec<String> = q
            .terms()
            .iter()
            .map(|t| match t {
                Term::Word { text, .. } => text.clone(),
                other => panic!("{other:?}"),
            })
            .collect();
        assert_eq!(
            texts,
            ["DROP", "TABLE", "messages", "e", "mail", "100", "a", "b"]
        );
    }

    #[test]
    fn scripts_without_spaces_become_substrings() {
        assert_eq!(
            parse("会議 hello世界").terms(),
            &[
                Term::Substring("会議".into()),
                word("hello", false),
                Term::Substring("世界".into()),
            ]
        );
    }

    #[test]
    fn hostile_queries_are_refused_or_read_plainly() {
        assert_eq!(SearchQuery::parse(""), Err(EMPTY_QUERY));
        assert_eq!(SearchQuery::parse("   "), Err(EMPTY_QUERY));
        assert_eq!(SearchQuery::parse(&"a".repeat(201)), Err(LONG_QUERY));
        assert_eq!(SearchQuery::parse(&"a OR ".repeat(10_000)), Err(LONG_QUERY));
        assert!(SearchQuery::parse(&"é".repeat(200)).is_ok());
        assert_eq!(SearchQuery::parse("-"), Err(NOTHING_TO_FIND));
        assert_eq!(SearchQuery::parse("-pizza"), Err(NOTHING_TO_FIND));
        assert_eq!(SearchQuery::parse("\"\" - ;;"), Err(NOTHING_TO_FIND));
        assert_eq!(SearchQuery::parse(&"a OR ".repeat(33)), Err(TOO_MANY_TERMS));
        assert_eq!(parse("\"open quote").terms().len(), 2);
        assert_eq!(parse("a \"b").terms(), &[word("a", false), word("b", true)]);
        assert_eq!(SearchQuery::parse("from:"), Err(NOTHING_TO_FIND));
        assert_eq!(
            parse("\"a\u{0}b\" from:x\u{0}y").terms(),
            &[Term::Phrase("a b".into()), word("y", true)]
        );
    }

    #[test]
    fn a_sender_alone_is_a_query() {
        let q = parse("FROM:bob");
        assert!(q.terms().is_empty());
        assert_eq!(q.from(), &["bob".to_owned()]);
    }

    #[test]
    fn only_words_that_begin_like_a_query_word_are_stemmed() {
        let q = parse(r#"studies "big cat""#);
        assert_eq!(
            q.words_to_stem(["A study of Studying cats and dogs", "big"]),
            ["big", "cat", "cats", "studies", "study", "studying"]
        );
    }

    #[test]
    fn patterns_escape_like_wildcards() {
        assert_eq!(contains_pattern(r"50%_\x"), r"%50\%\_\\x%");
    }

    fn stems(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(w, s)| ((*w).to_owned(), (*s).to_owned()))
            .collect()
    }

    #[test]
    fn words_with_the_same_stem_are_marked_whole() {
        let q = parse("running x");
        let s = stems(&[("running", "run"), ("runs", "run"), ("run", "run")]);
        assert_eq!(
            highlights("I run, she runs. Running!", &q, &s),
            vec![[2, 5], [11, 15], [17, 24]]
        );
    }

    #[test]
    fn the_last_word_marks_words_it_begins() {
        let q = parse("meet");
        assert_eq!(
            highlights("Meeting at noon", &q, &HashMap::new()),
            vec![[0, 7]]
        );
    }

    #[test]
    fn a_run_inside_a_word_is_marked_alone() {
        let q = parse("ell x");
        assert_eq!(highlights("Hello", &q, &HashMap::new()), vec![[1, 4]]);
    }

    #[test]
    fn offsets_count_utf16_code_units() {
        // The emoji is two UTF-16 code units; the CJK characters one each.
        let q = parse("会議");
        assert_eq!(
            highlights("😀明日の会議は10時", &q, &HashMap::new()),
            vec![[5, 7]]
        );
        let q = parse("café x");
        assert_eq!(highlights("😀 CAFÉ", &q, &HashMap::new()), vec![[3, 7]]);
    }

    #[test]
    fn phrases_are_marked_as_found_or_word_by_word() {
        let q = parse(r#""next friday""#);
        assert_eq!(
            highlights("See you Next Friday.", &q, &HashMap::new()),
            vec![[8, 19]]
        );
        let q = parse(r#""run fast""#);
        let s = stems(&[("running", "run"), ("run", "run")]);
        assert_eq!(highlights("running fast", &q, &s), vec![[0, 7], [8, 12]]);
    }

    #[test]
    fn overlapping_matches_are_merged_and_excluded_words_not_marked() {
        let q = parse("hello ell -world");
        assert_eq!(highlights("hello world", &q, &HashMap::new()), vec![[0, 5]]);
    }
}
