//! SQL of message search: the messages a query finds among the viewer's conversations now, the
//! conversations they are in, and the stems highlighting compares words by.
//!
//! The statement's shape follows the parsed query (one condition per term), and every piece of
//! the user's text reaches Postgres as a bound parameter. Tsquery text is only ever built from
//! runs of letters and digits (see [`crate::domain::search`]), so it cannot hold tsquery
//! syntax. The work is bounded by the number of terms and by a statement timeout.

use std::collections::HashMap;
use std::fmt::Write as _;

use deadpool_postgres::GenericClient;
use shared::chat::Peer;
use shared::events::{ChatMessage, ConversationKind};
use shared::ids::{ConversationId, UserId};
use tokio_postgres::Row;
use tokio_postgres::types::ToSql;
use uuid::Uuid;

use super::conversations;
use super::messages::{MESSAGE_COLUMNS, message_from_row_at};
use crate::domain::search::{
    SearchQuery, Term, contains_pattern, has_unspaced_script, is_substring_long_enough,
};
use crate::domain::{PageSize, SearchCursor};

/// How long one search may run: past it Postgres cancels the statement (SQLSTATE 57014), and
/// the route answers that the query is too broad.
pub const STATEMENT_TIMEOUT: &str = "2s";

/// The text search configuration of the `search_vector` column (migration V8).
const CONFIG: &str = "'english'::regconfig";

/// The configuration of the `search_bigrams` column: pairs of characters, not stemmed.
const PAIRS_CONFIG: &str = "'simple'::regconfig";

/// A run of a script without spaces as the tsquery of its overlapping pairs of characters in a
/// row (`'北京' <-> '京的'`), as `unspaced_bigrams` (migration V8) indexes it; `None` for a single
/// character. The run holds only letters of those scripts (see [`Term::Substring`]), never
/// tsquery syntax.
fn unspaced_pairs(run: &str) -> Option<String> {
    let chars: Vec<char> = run.chars().collect();
    let pairs: Vec<String> = chars
        .windows(2)
        .map(|pair| format!("'{}'", pair.iter().collect::<String>()))
        .collect();
    (!pairs.is_empty()).then(|| pairs.join(" <-> "))
}

/// Where to look.
pub struct Scope {
    /// Who searches: only their conversations now.
    pub viewer: UserId,
    /// Only this conversation (the caller has checked the viewer belongs to it).
    pub conversation: Option<ConversationId>,
    /// After this result.
    pub cursor: Option<SearchCursor>,
    /// Page size; one more row is read to tell whether there is a next page.
    pub limit: PageSize,
}

type Param = Box<dyn ToSql + Sync + Send>;

/// Collects parameters and hands out their `$n`.
#[derive(Default)]
struct Params(Vec<Param>);

impl Params {
    fn bind(&mut self, value: impl ToSql + Sync + Send + 'static) -> String {
        self.0.push(Box::new(value));
        format!("${}", self.0.len())
    }

    fn refs(&self) -> Vec<&(dyn ToSql + Sync)> {
        self.0
            .iter()
            .map(|p| p.as_ref() as &(dyn ToSql + Sync))
            .collect()
    }
}

/// The condition one term adds.
fn condition(term: &Term, params: &mut Params) -> String {
    match term {
        Term::Word { text, prefix } => {
            // `text` is letters and digits only: quoting it makes one lexeme, stemmed by the
            // configuration; `:*` matches lexemes starting with that stem.
            let tsquery = format!("'{text}'{}", if *prefix { ":*" } else { "" });
            let q = format!("to_tsquery({CONFIG}, {})", params.bind(tsquery));
            if is_substring_long_enough(text) {
                let pattern = params.bind(contains_pattern(text));
                format!("(m.search_vector @@ {q} OR m.content ILIKE {pattern})")
            } else {
                // A stop word ("a", "or") stems to nothing: it is ignored, not unmatched.
                format!("(numnode({q}) = 0 OR m.search_vector @@ {q})")
            }
        }
        Term::Substring(text) => {
            let pattern = params.bind(contains_pattern(text));
            match unspaced_pairs(text) {
                // One character: no pair to look up.
                None => format!("m.content ILIKE {pattern}"),
                Some(pairs) => {
                    let q = format!("to_tsquery({PAIRS_CONFIG}, {})", params.bind(pairs));
                    format!(
                        "(numnode({q}) = 0 OR m.search_bigrams @@ {q}) AND m.content ILIKE {pattern}"
                    )
                }
            }
        }
        Term::Phrase(text) => {
            let q = format!("phraseto_tsquery({CONFIG}, {})", params.bind(text.clone()));
            if is_substring_long_enough(text) || has_unspaced_script(text) {
                let pattern = params.bind(contains_pattern(text));
                format!("(m.search_vector @@ {q} OR m.content ILIKE {pattern})")
            } else {
                format!("(numnode({q}) = 0 OR m.search_vector @@ {q})")
            }
        }
        Term::Excluded(text) => {
            let q = format!("plainto_tsquery({CONFIG}, {})", params.bind(text.clone()));
            let mut sql = format!("NOT (m.search_vector @@ {q})");
            if has_unspaced_script(text) {
                let pattern = params.bind(contains_pattern(text));
                let _ = write!(sql, " AND m.content NOT ILIKE {pattern}");
            }
            sql
        }
    }
}

/// How many of the viewer's newest messages (past the cursor) the first attempt of [`find`]
/// reads at most, shared out evenly over their conversations. Checking a message's text costs
/// microseconds, so this stays a few milliseconds, and it holds a page of any word in about one
/// in a hundred of the viewer's recent messages or more; a rarer word is found faster through
/// the text indexes, which then list few matches.
pub const NEWEST_BUDGET: usize = 2_000;

/// The messages `query` finds in `scope` (the viewer's conversations now, or the one of them
/// asked for), newest first by (createdAt, seq, id), as the viewer
/// sees them (their vote; the rest is completed by `crate::view`); one more than the limit when
/// there is a next page. Runs in its own transaction, under [`STATEMENT_TIMEOUT`] per statement.
///
/// Two ways to find them, chosen by trying the cheap one first:
/// - the viewer's newest messages, each conversation's newest [`NEWEST_BUDGET`] / n read
///   through the `(conversation_id, created_at, seq, id)` index (migration V10) and their text
///   checked one by one: a common word fills a page within a few of them, where the text
///   indexes would list every match in every conversation and sort them;
/// - when those do not hold a whole page (a rare word), the text indexes: their bitmaps of the
///   matches, ANDed with the viewer's conversations' messages, then sorted.
pub async fn find(
    client: &mut deadpool_postgres::Object,
    query: &SearchQuery,
    scope: &Scope,
) -> Result<Vec<ChatMessage>, tokio_postgres::Error> {
    let transaction = client.transaction().await?;
    transaction
        .batch_execute(&format!(
            "SET LOCAL statement_timeout = '{STATEMENT_TIMEOUT}'"
        ))
        .await?;
    // The viewer's conversations as a list, not a join: the planner can then AND the
    // conversation index's bitmap of their messages with the text indexes' bitmaps, and read
    // from the table only the matches in those conversations.
    let mut conversations = conversations::ids_of_member(&transaction, scope.viewer).await?;
    if let Some(only) = scope.conversation {
        conversations.retain(|id| *id == only.as_uuid());
    }
    if conversations.is_empty() {
        transaction.commit().await?;
        return Ok(Vec::new());
    }
    let newest = match NEWEST_BUDGET / conversations.len() {
        0 => None,
        per_conversation => {
            newest_page(&transaction, query, scope, &conversations, per_conversation).await?
        }
    };
    let rows = match newest {
        Some(rows) => rows,
        None => {
            let (sql, params) = statement(query, scope, &conversations, Reading::Indexed);
            transaction.query(sql.as_str(), &params.refs()).await?
        }
    };
    transaction.commit().await?;
    Ok(rows.iter().map(message_from_row_at).collect())
}

/// The page [`find`] answers, from each of `conversations`' newest `per_conversation`
/// messages; `None` when they do not hold it.
async fn newest_page(
    client: &impl GenericClient,
    query: &SearchQuery,
    scope: &Scope,
    conversations: &[Uuid],
    per_conversation: usize,
) -> Result<Option<Vec<Row>>, tokio_postgres::Error> {
    let frontier = frontier(client, conversations, scope.cursor, per_conversation).await?;
    let (sql, params) = statement(query, scope, conversations, Reading::Newest(frontier));
    let rows = client.query(sql.as_str(), &params.refs()).await?;
    // Every message no older than the frontier was checked, so these are the newest matches:
    // the page if they fill it (one more than the limit), or if nothing older was left unread.
    if rows.len() > usize::from(scope.limit.get()) || frontier.is_none() {
        Ok(Some(rows))
    } else {
        tracing::debug!(
            per_conversation,
            found = rows.len(),
            "the newest messages hold no page: searching through the text indexes"
        );
        Ok(None)
    }
}

/// Which of the viewer's messages a search statement looks at, and how.
enum Reading {
    /// Those no older than the frontier (all, without one; see [`frontier`]), read through the
    /// conversation index, each one's text checked.
    Newest(Option<SearchCursor>),
    /// All of them, through the text indexes.
    Indexed,
}

/// The search statement for `reading`, with its parameters.
fn statement(
    query: &SearchQuery,
    scope: &Scope,
    conversations: &[Uuid],
    reading: Reading,
) -> (String, Params) {
    let mut params = Params::default();
    let viewer = params.bind(scope.viewer.as_uuid());
    // Where to look: the viewer's conversations, past the cursor.
    let mut place = vec![format!(
        "m.conversation_id = ANY({})",
        params.bind(conversations.to_vec())
    )];
    if let Some(cursor) = scope.cursor {
        place.push(format!("{KEY} < {}", position(cursor, &mut params)));
    }
    // What to find there.
    let mut wanted = vec![
        "m.deleted_at IS NULL".to_owned(),
        "m.kind = 'user'".to_owned(),
    ];
    if !query.from().is_empty() {
        let names = params.bind(query.from().to_vec());
        wanted.push(format!(
            "m.sender_id IN (SELECT u.id FROM users u WHERE lower(u.username) = ANY({names}))"
        ));
    }
    for term in query.terms() {
        wanted.push(condition(term, &mut params));
    }
    let (newest, source, wanted) = match reading {
        Reading::Indexed => {
            place.extend(wanted);
            (String::new(), "messages", place)
        }
        Reading::Newest(frontier) => {
            if let Some(frontier) = frontier {
                place.push(format!("{KEY} >= {}", position(frontier, &mut params)));
            }
            // Materialized, so that the text is checked on these messages only, never through
            // the text indexes (they would list the matches in every conversation).
            let newest = format!(
                "WITH newest AS MATERIALIZED (
                     SELECT * FROM messages m WHERE {}
                 )
                 ",
                place.join(" AND ")
            );
            (newest, "newest", wanted)
        }
    };
    let limit = params.bind(scope.limit.as_i64() + 1);
    let sql = format!(
        "{newest}SELECT {MESSAGE_COLUMNS} FROM {source} m
         LEFT JOIN message_votes mv ON mv.message_id = m.id AND mv.user_id = {viewer}
         WHERE {}
         ORDER BY m.created_at DESC, m.seq DESC, m.id DESC
         LIMIT {limit}",
        wanted.join("\n           AND ")
    );
    (sql, params)
}

/// A message's place in search order (newest first: the greater, the earlier).
const KEY: &str = "(m.created_at, m.seq, m.id)";

/// `position` as a row of parameters, to compare with [`KEY`].
fn position(position: SearchCursor, params: &mut Params) -> String {
    let at = params.bind(position.created_at);
    let seq = params.bind(position.seq);
    let id = params.bind(position.id);
    format!("({at}, {seq}, {id})")
}

/// Where reading each of `conversations`' newest `per_conversation` messages (past `cursor`)
/// ends: the newest of their `per_conversation`-th newest messages, so that every message of
/// these conversations newer than it is among those read. `None` when no conversation has that
/// many: all of their messages are then fewer than the budget.
async fn frontier(
    client: &impl GenericClient,
    conversations: &[Uuid],
    cursor: Option<SearchCursor>,
    per_conversation: usize,
) -> Result<Option<SearchCursor>, tokio_postgres::Error> {
    let mut params = Params::default();
    let list = params.bind(conversations.to_vec());
    let skip = params.bind(i64::try_from(per_conversation - 1).unwrap_or(i64::MAX));
    let past_cursor = cursor
        .map(|cursor| format!("AND {KEY} < {}", position(cursor, &mut params)))
        .unwrap_or_default();
    let sql = format!(
        "SELECT e.created_at, e.seq, e.id
         FROM unnest({list}::uuid[]) AS c(id)
         CROSS JOIN LATERAL (
             SELECT m.created_at, m.seq, m.id FROM messages m
             WHERE m.conversation_id = c.id {past_cursor}
             ORDER BY m.created_at DESC, m.seq DESC, m.id DESC
             OFFSET {skip} LIMIT 1
         ) e
         ORDER BY e.created_at DESC, e.seq DESC, e.id DESC
         LIMIT 1"
    );
    Ok(client
        .query_opt(sql.as_str(), &params.refs())
        .await?
        .map(|row| SearchCursor {
            created_at: row.get(0),
            seq: row.get(1),
            id: row.get(2),
        }))
}

/// Whether `e` is Postgres cancelling a statement that ran past its timeout.
pub fn is_timeout(e: &tokio_postgres::Error) -> bool {
    e.code() == Some(&tokio_postgres::error::SqlState::QUERY_CANCELED)
}

/// A conversation as a search result names it: `{id, kind, name, peer}`.
#[derive(Clone, Debug, serde::Serialize)]
pub struct ConversationRef {
    /// The conversation.
    pub id: ConversationId,
    /// Direct or group.
    pub kind: ConversationKind,
    /// A group's name; null for a direct conversation.
    pub name: Option<String>,
    /// The other participant of a direct conversation; null for a group.
    pub peer: Option<Peer>,
}

/// `ids` as `viewer` sees them.
pub async fn conversation_refs(
    client: &impl GenericClient,
    viewer: UserId,
    ids: &[Uuid],
) -> Result<HashMap<ConversationId, ConversationRef>, tokio_postgres::Error> {
    Ok(client
        .query(
            &client
                .prepare_cached(
                    "SELECT c.id, c.kind, c.name, peer.user_id AS peer_id,
                            coalesce(u.username, '') AS peer_username
                     FROM conversations c
                     LEFT JOIN conversation_members peer
                       ON c.kind = 'direct' AND peer.conversation_id = c.id
                      AND peer.user_id <> $1
                     LEFT JOIN users u ON u.id = peer.user_id
                     WHERE c.id = ANY($2)",
                )
                .await?,
            &[&viewer.as_uuid(), &ids],
        )
        .await?
        .iter()
        .map(|row| {
            let id: ConversationId = row.get::<_, Uuid>("id").into();
            let kind = conversations::kind_from_db(row.get("kind"));
            let peer = row
                .get::<_, Option<Uuid>>("peer_id")
                .filter(|_| kind == ConversationKind::Direct)
                .map(|peer| Peer {
                    id: peer.into(),
                    username: row.get("peer_username"),
                });
            (
                id,
                ConversationRef {
                    id,
                    kind,
                    name: row.get("name"),
                    peer,
                },
            )
        })
        .collect())
}

/// The English stems of `words` (lower-cased), as the `search_vector` column stems them; a
/// stop word or a word the stemmer does not take is left out.
pub async fn stems(
    client: &impl GenericClient,
    words: &[String],
) -> Result<HashMap<String, String>, tokio_postgres::Error> {
    if words.is_empty() {
        return Ok(HashMap::new());
    }
    Ok(client
        .query(
            &client
                .prepare_cached(
                    "SELECT w, (ts_lexize('english_stem', w))[1]
                     FROM unnest($1::text[]) AS w",
                )
                .await?,
            &[&words],
        )
        .await?
        .iter()
        .filter_map(|row| Some((row.get::<_, String>(0), row.get::<_, Option<String>>(1)?)))
        .collect())
}

/// The text indexes of messages (migration V8). GIN indexes take new entries into a pending
/// list and merge it into the index proper when it outgrows `gin_pending_list_limit` (4 MB), and
/// whichever insert finds it full does the merge: a stall of hundreds of milliseconds in the
/// one consumer that stores every message, which every message queued behind it waits out.
const TEXT_INDEXES: [&str; 3] = [
    "messages_search_vector",
    "messages_search_bigrams",
    "messages_content_trigrams",
];

/// Merges the text indexes' pending lists now, so that the writer never has to: run often
/// (see [`crate::startup`]) from a connection of its own, each merge is small, and an insert
/// that meets one in progress does not wait for it. Returns the pending pages merged.
pub async fn merge_pending(client: &impl GenericClient) -> Result<u64, tokio_postgres::Error> {
    let names: &[&str] = &TEXT_INDEXES;
    let row = client
        .query_one(
            &client
                .prepare_cached(
                    "SELECT coalesce(sum(gin_clean_pending_list(name::regclass)), 0)::bigint
                     FROM unnest($1::text[]) AS name",
                )
                .await?,
            &[&names],
        )
        .await?;
    Ok(u64::try_from(row.get::<_, i64>(0)).unwrap_or(0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_without_spaces_become_pairs_in_a_row() {
        assert_eq!(unspaced_pairs("北"), None);
        assert_eq!(unspaced_pairs("北京").as_deref(), Some("'北京'"));
        assert_eq!(
            unspaced_pairs("会議室").as_deref(),
            Some("'会議' <-> '議室'")
        );
    }
}
