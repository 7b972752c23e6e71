// Package nlu owns understanding one guest message: the normalizer (case, accents,
// repeated letters, abbreviations, number words), the entity extractors (stay dates,
// guests, unit type, amenities), a cheap language guess (es, en, pt) and the intent
// classifier trained at start-up from the example phrases of the dialog YAML
// (LoadExamples, Train).
//
// The contract is docs/nlu-spec.md. Parse never fails and never looks anything up on
// the network: every relative expression is read against the calendar day of the
// reference instant in America/Argentina/Buenos_Aires, and long weekends, carnaval and
// Semana Santa come from the holidays package. What cannot be decided is null and named
// in Result.Ambiguous with a Reason* code in Result.Reasons; an undecided weekend is
// resolved by the dialog with ParseWeekendChoice and WeekendRange. A day that does not
// exist ("31/4", "29/2" in a year that is not a leap year) is reported in
// Result.Impossible. ParseIn reads a message against what the conversation holds
// (Context): bare days fall in the month said before, a month said alone moves the stay,
// and a departure said alone follows the check-in.
//
// The intent comes from three layers, each explainable (Explain):
//
//  1. A multinomial logistic regression over TF-IDF weighted word unigrams, word
//     bigrams, character 3-5-grams and entity flags ([dates], [guests], [price_words]...),
//     trained by AdaGrad SGD in a fixed order (deterministic). Its temperature is fitted
//     on held-out folds of the examples, so Confidence is a calibrated probability.
//  2. Entity rules from the contract: a stay (dates or guests) with nothing else asked is
//     disponibilidad, a price question with a stay is precio, a greeting with a request
//     is the request. A rule folds the readings it overrides into its confidence.
//  3. Learned cues: for each intent, the word stems far more frequent in its examples than
//     in the others' and in availability questions ("reserv", "señ", "cambi"). A message
//     with a stay and no cue of the intent the model picked asks nothing else, so it is
//     disponibilidad.
//
// Below Options.FallbackThreshold the intent is fallback. Parse reads at most
// MaxInputBytes of a message and every step is linear in it.
package nlu
