package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/conserje/conserje/core/nlu"
	"github.com/spf13/cobra"
)

// nluFlags are shared by `conserje nlu` and `conserje nlu eval`.
type nluFlags struct {
	ref       string
	jsonl     bool
	dialogs   string
	threshold float64
}

func init() {
	register("nlu", func(*globalFlags) *cobra.Command {
		f := &nluFlags{}
		cmd := &cobra.Command{
			Use:   "nlu",
			Short: "Read guest messages on stdin and write what they mean as JSON lines",
			Long: `Reads one guest message per line on stdin (or, with --jsonl, one JSON object
{"text": ..., "ref": ...} per line) and writes one JSON object per line on stdout, in the
same order, with the fields of docs/nlu-spec.md: text, intent, confidence, check_in,
check_out, guests, adults, children, unit_type, amenities, ambiguous.

The intent classifier is trained at start-up from the intents: sections of the YAML files
in --dialogs.`,
			Example: `  echo "Hola, para 4 del 5 al 8/1" | conserje nlu --ref 2026-11-28T10:00:00-03:00
  conserje nlu --jsonl < messages.jsonl
  conserje nlu eval shared/nlu/dev.jsonl`,
			Args: cobra.NoArgs,
			RunE: func(cmd *cobra.Command, _ []string) error {
				return runNLU(cmd.InOrStdin(), cmd.OutOrStdout(), f)
			},
		}
		cmd.PersistentFlags().StringVar(&f.ref, "ref", "", "moment the messages were received, RFC 3339 (default: now)")
		cmd.PersistentFlags().StringVar(&f.dialogs, "dialogs", "dialogs", "directory of the dialog YAML files whose intents train the classifier")
		cmd.PersistentFlags().Float64Var(&f.threshold, "threshold", nlu.DefaultFallbackThreshold, "confidence under which the intent is fallback, in [0, 1]")
		cmd.Flags().BoolVar(&f.jsonl, "jsonl", false, `read JSON objects {"text": ..., "ref": ...} instead of plain lines`)

		cmd.AddCommand(&cobra.Command{
			Use:   "eval FILE.jsonl",
			Short: "Score the parser against a labelled JSON lines file",
			Long: `Parses every line of FILE.jsonl (objects with "text", "ref" and the gold fields) and
prints the accuracy of each field, the intent confusion matrix and the failing lines. A
field absent from a gold line is not scored. Exits 0 whatever the scores.`,
			Args: cobra.ExactArgs(1),
			RunE: func(cmd *cobra.Command, args []string) error {
				return runNLUEval(cmd.OutOrStdout(), args[0], f)
			},
		})
		return cmd
	})
}

func (f *nluFlags) parser() (*nlu.Parser, error) {
	if f.threshold < 0 || f.threshold > 1 {
		return nil, exitError{code: 2, msg: fmt.Sprintf("conserje nlu: --threshold %v is outside [0, 1]", f.threshold)}
	}
	if st, err := os.Stat(f.dialogs); err != nil || !st.IsDir() {
		return nil, exitError{code: 2, msg: fmt.Sprintf("conserje nlu: --dialogs %s is not a directory of dialog YAML files", f.dialogs)}
	}
	examples, err := nlu.LoadExamples(os.DirFS(f.dialogs), ".")
	if err != nil {
		return nil, fmt.Errorf("load intents from %s: %w", f.dialogs, err)
	}
	p, err := nlu.Train(examples, nlu.Options{FallbackThreshold: f.threshold})
	if err != nil {
		return nil, fmt.Errorf("train the intent classifier from %s: %w", f.dialogs, err)
	}
	return p, nil
}

func (f *nluFlags) defaultRef() (time.Time, error) {
	if f.ref == "" {
		return time.Now(), nil
	}
	t, err := time.Parse(time.RFC3339, f.ref)
	if err != nil {
		return time.Time{}, exitError{code: 2, msg: fmt.Sprintf("conserje nlu: --ref %q is not RFC 3339 (e.g. 2026-11-28T10:00:00-03:00)", f.ref)}
	}
	return t, nil
}

func runNLU(in io.Reader, out io.Writer, f *nluFlags) error {
	ref, err := f.defaultRef()
	if err != nil {
		return err
	}
	p, err := f.parser()
	if err != nil {
		return err
	}
	w := bufio.NewWriter(out)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 64*1024), 1<<20)
	no := 0
	for sc.Scan() {
		no++
		text, lineRef := strings.TrimRight(sc.Text(), "\r"), ref
		if f.jsonl {
			raw := bytes.TrimSpace(sc.Bytes())
			if len(raw) == 0 {
				continue
			}
			l, err := nlu.ParseLine(raw, no, ref)
			if err != nil {
				_ = w.Flush()
				return exitError{code: 2, msg: "conserje nlu: " + err.Error()}
			}
			text, lineRef = l.Text, l.Ref
		}
		if err := enc.Encode(p.Parse(text, lineRef).Contract()); err != nil {
			return fmt.Errorf("write result: %w", err)
		}
		// One answer per line as it comes, so the command works interactively too.
		if err := w.Flush(); err != nil {
			return fmt.Errorf("write result: %w", err)
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("read stdin: %w", err)
	}
	return w.Flush()
}

func runNLUEval(out io.Writer, path string, f *nluFlags) error {
	ref, err := f.defaultRef()
	if err != nil {
		return err
	}
	file, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("open labelled file: %w", err)
	}
	defer file.Close()
	lines, err := nlu.ReadLines(file, ref)
	if err != nil {
		return exitError{code: 2, msg: fmt.Sprintf("conserje nlu eval: %s: %v", path, err)}
	}
	p, err := f.parser()
	if err != nil {
		return err
	}
	return nlu.Evaluate(p, lines).WriteText(out)
}
