//! Typo-tolerant product search: an in-memory tantivy index built from the read model (the database
//! stays the source of truth; a new snapshot builds a new index).
//!
//! Matching: every word of the query must match some field (title, brand, category, option values,
//! SKU, description), exactly, as a prefix (the last word, while typing) or within a typo budget that
//! grows with the word's length (5–8 letters: one edit, 9 or more: two; a swap of two letters counts as
//! one). When no product matches every word, products matching any word are returned instead.
//! Ranking: BM25 on exact words, weighted by field (title first), above typo and prefix matches.

use tantivy::collector::{Collector, SegmentCollector};
use tantivy::columnar::Column;
use tantivy::query::{BooleanQuery, BoostQuery, FuzzyTermQuery, Occur, Query, TermQuery};
use tantivy::schema::{FAST, Field, INDEXED, IndexRecordOption, Schema, TextFieldIndexing, TextOptions};
use tantivy::tokenizer::{
    AsciiFoldingFilter, LowerCaser, RawTokenizer, RemoveLongFilter, SimpleTokenizer, TextAnalyzer,
};
use tantivy::{DocId, Index, IndexReader, ReloadPolicy, Score, SegmentOrdinal, SegmentReader, TantivyDocument, Term};

use crate::error::AppError;
use crate::model::catalog::{MAX_QUERY_CHARS, SearchSuggestion, clean_search_text};
use crate::model::money::Money;

use super::read_model::{CategoryEntry, ProductEntry, Snapshot, ValueEntry};

const ANALYZER: &str = "store_text";
/// A whole SKU as one lowercased token: "KS-TEE-001-M" finds exactly that variant's product.
const SKU_ANALYZER: &str = "store_sku";
/// At most this many words of a query are searched.
const MAX_WORDS: usize = 8;
/// Suggestions shown under the header's search box.
pub const SUGGESTIONS: usize = 6;

/// (field, weight of an exact match). Typo and prefix matches weigh a fraction of it.
struct Fields {
    sku_exact: Field,
    weighted: Vec<(Field, f32)>,
}

/// A matching product: its index in the snapshot and its score.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Hit {
    pub product: u32,
    pub score: Score,
}

pub struct SearchIndex {
    index: Index,
    reader: IndexReader,
    fields: Fields,
}

fn sku_analyzer() -> TextAnalyzer {
    TextAnalyzer::builder(RawTokenizer::default()).filter(RemoveLongFilter::limit(64)).filter(LowerCaser).build()
}

fn analyzer() -> TextAnalyzer {
    TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(40))
        .filter(LowerCaser)
        .filter(AsciiFoldingFilter)
        .build()
}

impl SearchIndex {
    pub fn build(
        products: &[ProductEntry],
        categories: &[CategoryEntry],
        values: &[ValueEntry],
    ) -> Result<SearchIndex, AppError> {
        let mut builder = Schema::builder();
        let text = TextOptions::default().set_indexing_options(
            TextFieldIndexing::default().set_tokenizer(ANALYZER).set_index_option(IndexRecordOption::WithFreqs),
        );
        let product = builder.add_u64_field("product", FAST | INDEXED);
        let sku_exact = builder.add_text_field(
            "sku_exact",
            TextOptions::default().set_indexing_options(
                TextFieldIndexing::default().set_tokenizer(SKU_ANALYZER).set_index_option(IndexRecordOption::Basic),
            ),
        );
        let title = builder.add_text_field("title", text.clone());
        let brand = builder.add_text_field("brand", text.clone());
        let category = builder.add_text_field("category", text.clone());
        let options = builder.add_text_field("options", text.clone());
        let sku = builder.add_text_field("sku", text.clone());
        let description = builder.add_text_field("description", text);
        let fields = Fields {
            sku_exact,
            weighted: vec![(title, 3.0), (category, 2.0), (sku, 2.0), (brand, 1.5), (options, 1.5), (description, 0.5)],
        };
        let index = Index::create_in_ram(builder.build());
        index.tokenizers().register(ANALYZER, analyzer());
        index.tokenizers().register(SKU_ANALYZER, sku_analyzer());

        let mut writer = index.writer_with_num_threads(1, 64 * 1024 * 1024).map_err(internal)?;
        for (i, p) in products.iter().enumerate() {
            let mut doc = TantivyDocument::default();
            doc.add_u64(product, i as u64);
            doc.add_text(title, &p.title);
            // "T-Shirt" is also "tshirt": shoppers type compounds in one word.
            doc.add_text(title, joined_compounds(&p.title));
            doc.add_text(brand, &p.brand);
            if let Some(c) = categories.get(p.category) {
                doc.add_text(category, &c.name);
                doc.add_text(category, joined_compounds(&c.name));
            }
            for &v in &p.values {
                doc.add_text(options, &values[v as usize].value);
            }
            for s in &p.skus {
                doc.add_text(sku, s);
                doc.add_text(sku_exact, s);
            }
            doc.add_text(description, &p.description);
            writer.add_document(doc).map_err(internal)?;
        }
        writer.commit().map_err(internal)?;
        let reader = index.reader_builder().reload_policy(ReloadPolicy::Manual).try_into().map_err(internal)?;
        Ok(SearchIndex { index, reader, fields })
    }

    /// Products matching `text`, best first (all of them, or the first `limit`).
    pub fn search(&self, text: &str, limit: Option<usize>) -> Vec<Hit> {
        let text = clean_search_text(text);
        let words = self.words(&text);
        if words.is_empty() {
            return Vec::new();
        }
        let mut hits = self.run(&self.query(&text, &words, Occur::Must));
        if hits.is_empty() && words.len() > 1 {
            hits = self.run(&self.query(&text, &words, Occur::Should));
        }
        hits.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.product.cmp(&b.product)));
        if let Some(limit) = limit {
            hits.truncate(limit);
        }
        hits
    }

    /// The query's words as the index stores them (lowercased, accents folded, at most MAX_WORDS).
    fn words(&self, text: &str) -> Vec<String> {
        debug_assert!(text.chars().count() <= MAX_QUERY_CHARS);
        let mut analyzer = self.index.tokenizers().get(ANALYZER).unwrap_or_else(analyzer);
        let mut stream = analyzer.token_stream(text);
        let mut words = Vec::new();
        while let Some(token) = stream.next() {
            if !words.contains(&token.text) {
                words.push(token.text.clone());
            }
            if words.len() == MAX_WORDS {
                break;
            }
        }
        words
    }

    /// Every word (or, with `Occur::Should`, any word) in some field; or the whole text as a SKU.
    fn query(&self, text: &str, words: &[String], occur: Occur) -> BooleanQuery {
        let last = words.len() - 1;
        let words: Vec<(Occur, Box<dyn Query>)> = words
            .iter()
            .enumerate()
            .map(|(i, word)| {
                let mut alternatives: Vec<(Occur, Box<dyn Query>)> = Vec::new();
                let typos = typo_budget(word);
                for &(field, weight) in &self.fields.weighted {
                    let term = Term::from_field_text(field, word);
                    let exact = TermQuery::new(term.clone(), IndexRecordOption::WithFreqs);
                    alternatives.push((Occur::Should, Box::new(BoostQuery::new(Box::new(exact), weight))));
                    // Typo and prefix matches score a constant fraction of the field's weight: below any
                    // exact match of the same field.
                    if typos > 0 {
                        let fuzzy = FuzzyTermQuery::new(term.clone(), typos, true);
                        alternatives.push((Occur::Should, Box::new(BoostQuery::new(Box::new(fuzzy), weight * 0.3))));
                    }
                    if i == last && word.chars().count() >= 2 {
                        let prefix = FuzzyTermQuery::new_prefix(term, 0, true);
                        alternatives.push((Occur::Should, Box::new(BoostQuery::new(Box::new(prefix), weight * 0.2))));
                    }
                }
                (occur, Box::new(BooleanQuery::new(alternatives)) as Box<dyn Query>)
            })
            .collect();
        let mut either: Vec<(Occur, Box<dyn Query>)> = vec![(Occur::Should, Box::new(BooleanQuery::new(words)))];
        let mut sku = sku_analyzer();
        let mut stream = sku.token_stream(text);
        if let Some(token) = stream.next() {
            let exact =
                TermQuery::new(Term::from_field_text(self.fields.sku_exact, &token.text), IndexRecordOption::Basic);
            either.push((Occur::Should, Box::new(BoostQuery::new(Box::new(exact), 10.0))));
        }
        BooleanQuery::new(either)
    }

    fn run(&self, query: &BooleanQuery) -> Vec<Hit> {
        let searcher = self.reader.searcher();
        match searcher.search(query, &AllHits { field: "product" }) {
            Ok(hits) => hits,
            Err(err) => {
                // The index is in memory and the query is built here: this is a bug, not bad input.
                tracing::error!(error = %err, "search failed");
                Vec::new()
            }
        }
    }
}

/// Suggestions for the header search box.
pub fn suggestions(snapshot: &Snapshot, text: &str) -> Vec<SearchSuggestion> {
    snapshot
        .search
        .search(text, Some(SUGGESTIONS))
        .into_iter()
        .map(|hit| {
            let p = &snapshot.products[hit.product as usize];
            SearchSuggestion {
                slug: p.slug.clone(),
                title: p.title.clone(),
                category: snapshot.categories.get(p.category).map(|c| c.name.clone()).unwrap_or_default(),
                price: Money::store(p.min_price),
                from: p.min_price != p.max_price,
            }
        })
        .collect()
}

/// Typos forgiven in a word: none under 5 letters, one up to 8, two from 9.
fn typo_budget(word: &str) -> u8 {
    match word.chars().count() {
        0..=4 => 0,
        5..=8 => 1,
        _ => 2,
    }
}

/// "T-Shirt Slim-Fit" → "TShirt SlimFit": the words written with a hyphen, written as one.
fn joined_compounds(text: &str) -> String {
    text.split_whitespace().filter(|w| w.contains('-')).map(|w| w.replace('-', "")).collect::<Vec<_>>().join(" ")
}

fn internal(err: tantivy::TantivyError) -> AppError {
    tracing::error!(error = %err, "building the search index failed");
    AppError::Internal
}

/// Collects every matching document with its score and its product index (a fast field).
struct AllHits {
    field: &'static str,
}

struct SegmentHits {
    products: Column<u64>,
    hits: Vec<Hit>,
}

impl Collector for AllHits {
    type Fruit = Vec<Hit>;
    type Child = SegmentHits;

    fn for_segment(&self, _: SegmentOrdinal, segment: &SegmentReader) -> tantivy::Result<SegmentHits> {
        Ok(SegmentHits { products: segment.fast_fields().u64(self.field)?, hits: Vec::new() })
    }

    fn requires_scoring(&self) -> bool {
        true
    }

    fn merge_fruits(&self, fruits: Vec<Vec<Hit>>) -> tantivy::Result<Vec<Hit>> {
        Ok(fruits.into_iter().flatten().collect())
    }
}

impl SegmentCollector for SegmentHits {
    type Fruit = Vec<Hit>;

    fn collect(&mut self, doc: DocId, score: Score) {
        if let Some(product) = self.products.first(doc) {
            self.hits.push(Hit { product: product as u32, score });
        }
    }

    fn harvest(self) -> Vec<Hit> {
        self.hits
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn longer_words_forgive_more_typos() {
        assert_eq!(typo_budget("tee"), 0);
        assert_eq!(typo_budget("hodie"), 1);
        assert_eq!(typo_budget("tshrit"), 1);
        assert_eq!(typo_budget("waterprof"), 2);
    }

    #[test]
    fn hyphenated_words_are_also_indexed_joined() {
        assert_eq!(joined_compounds("Trail T-Shirt Slim-Fit"), "TShirt SlimFit");
        assert_eq!(joined_compounds("Wool Socks"), "");
    }
}
