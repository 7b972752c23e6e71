// Package nlu owns understanding one guest message: the normalizer (case, accents,
// repeated letters, abbreviations, number words), the entity extractors (stay dates,
// guests, unit type, amenities), a cheap language guess (es, en, pt) and the intent
// classifier trained at start-up from the example phrases of the dialog YAML.
//
// The contract is docs/nlu-spec.md. Parse never fails and never looks anything up on
// the network: every relative expression is read against the calendar day of the
// reference instant in America/Argentina/Buenos_Aires, and long weekends come from the
// holidays package.
//
// The classifier is a multinomial logistic regression over TF-IDF weighted word
// unigrams, word bigrams, character n-grams and entity indicator features, with its
// temperature fitted by cross-validation so that Confidence is a calibrated probability.
// Explain lists the features behind a decision.
package nlu
