package main

import (
	"context"
	"encoding/json"
	"fmt"
	"mime"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/conserje/conserje/core/app"
	"github.com/conserje/conserje/core/config"
	"github.com/conserje/conserje/core/pluginhost"
	"github.com/conserje/conserje/sdk/speech"
)

func init() {
	register("speech", func(g *globalFlags) *cobra.Command {
		cmd := &cobra.Command{
			Use:   "speech",
			Short: "Check the voice-note setup: transcribe a file, speak a text",
		}
		cmd.AddCommand(newSpeechTranscribeCmd(g), newSpeechSayCmd(g))
		return cmd
	})
}

// transcription is what `speech transcribe` prints.
type transcription struct {
	Text       string  `json:"text"`
	Confidence float64 `json:"confidence"`
	DurationS  float64 `json:"duration_s"`
	Language   string  `json:"language"`
}

func newSpeechTranscribeCmd(g *globalFlags) *cobra.Command {
	var language string
	cmd := &cobra.Command{
		Use:   "transcribe FILE",
		Short: "Transcribe an audio file with the speech.stt_plugin plugin",
		Long: "Starts the plugin named by speech.stt_plugin, sends it the file's bytes (a WhatsApp voice\n" +
			"note, an mp3, a wav...) and prints {text, confidence, duration_s, language} as JSON.",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			audio, err := os.ReadFile(args[0])
			if err != nil {
				return exitError{code: 2, msg: fmt.Sprintf("speech transcribe: %v", err)}
			}
			ctx := cmd.Context()
			host, cfg, err := startSpeechPlugin(ctx, g, func(c *config.Config) (string, string) { return c.Speech.STTPlugin, "speech.stt_plugin" })
			if host != nil {
				defer stopHost(host)
			}
			if err != nil {
				return err
			}
			stt, err := host.STT(cfg.Speech.STTPlugin)
			if err != nil {
				return err
			}
			r, err := stt.Transcribe(ctx, speech.TranscribeRequest{Audio: audio, MIME: mimeOf(args[0]), Language: language})
			if err != nil {
				return fmt.Errorf("speech transcribe: %w", err)
			}
			out, err := json.MarshalIndent(transcription{Text: r.Text, Confidence: r.Confidence, DurationS: r.Duration.Seconds(), Language: r.Language}, "", "  ")
			if err != nil {
				return err
			}
			_, err = fmt.Fprintln(cmd.OutOrStdout(), string(out))
			return err
		},
	}
	cmd.Flags().StringVar(&language, "language", "es-AR", "language hint (BCP 47; empty: detect)")
	return cmd
}

func newSpeechSayCmd(g *globalFlags) *cobra.Command {
	var output, language, voice string
	cmd := &cobra.Command{
		Use:   `say "texto" -o FILE.ogg`,
		Short: "Speak a text with the speech.tts_plugin plugin into an OGG/Opus voice note",
		Long: "Starts the plugin named by speech.tts_plugin, asks it for a voice note saying the text and\n" +
			"writes it to the -o file (.wav asks for WAV). Prints the size and the duration.",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if output == "" {
				return exitError{code: 2, msg: "speech say: -o FILE is required"}
			}
			ctx := cmd.Context()
			host, cfg, err := startSpeechPlugin(ctx, g, func(c *config.Config) (string, string) { return c.Speech.TTSPlugin, "speech.tts_plugin" })
			if host != nil {
				defer stopHost(host)
			}
			if err != nil {
				return err
			}
			tts, err := host.TTS(cfg.Speech.TTSPlugin)
			if err != nil {
				return err
			}
			want := ""
			if strings.EqualFold(filepath.Ext(output), ".wav") {
				want = "audio/wav"
			}
			r, err := tts.Synthesize(ctx, speech.SynthesizeRequest{Text: args[0], Language: language, Voice: voice, MIME: want})
			if err != nil {
				return fmt.Errorf("speech say: %w", err)
			}
			if err := os.WriteFile(output, r.Audio, 0o600); err != nil {
				return fmt.Errorf("speech say: %w", err)
			}
			_, err = fmt.Fprintf(cmd.OutOrStdout(), "%s: %s, %d bytes, %.1f s\n", output, r.MIME, len(r.Audio), r.Duration.Seconds())
			return err
		},
	}
	cmd.Flags().StringVarP(&output, "output", "o", "", "file to write the audio to")
	cmd.Flags().StringVar(&language, "language", "es-AR", "language of the text (BCP 47)")
	cmd.Flags().StringVar(&voice, "voice", "", "engine voice (default: the plugin's for the language)")
	return cmd
}

// startSpeechPlugin starts the plugin a speech setting names, alone under its own host;
// the host is returned (to stop) even when the start failed.
func startSpeechPlugin(ctx context.Context, g *globalFlags, which func(*config.Config) (name, key string)) (*pluginhost.Host, *config.Config, error) {
	cfg, _, err := loadConfig(g)
	if err != nil {
		return nil, nil, err
	}
	name, key := which(cfg)
	if name == "" {
		return nil, nil, exitError{code: 2, msg: fmt.Sprintf("%s is empty: name a plugin listed under plugins: (see config.example.yaml)", key)}
	}
	log, err := newLogger(cfg)
	if err != nil {
		return nil, nil, err
	}
	var spec *pluginhost.Spec
	for _, sp := range app.PluginSpecs(cfg) {
		if sp.Name == name {
			spec = &sp
		}
	}
	if spec == nil {
		return nil, nil, exitError{code: 2, msg: fmt.Sprintf("%s %q is not in plugins:", key, name)}
	}
	// This command waits for the plugin however long its own start_timeout allows.
	opts := pluginhost.Options{Logger: log.With("component", "speech"), StartTimeout: spec.StartTimeout}
	host, err := pluginhost.New([]pluginhost.Spec{*spec}, opts)
	if err != nil {
		return nil, nil, err
	}
	if err := host.Start(ctx); err != nil {
		return host, nil, fmt.Errorf("start plugin %s: %w", name, err)
	}
	return host, cfg, nil
}

func stopHost(h *pluginhost.Host) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_ = h.Stop(ctx)
}

// mimeOf guesses an audio file's type from its name (the plugin converts anything
// ffmpeg reads; the type is only a hint).
func mimeOf(path string) string {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".ogg", ".oga", ".opus":
		return "audio/ogg"
	case ".wav":
		return "audio/wav"
	case ".m4a":
		return "audio/mp4"
	}
	if t := mime.TypeByExtension(filepath.Ext(path)); t != "" {
		return t
	}
	return "application/octet-stream"
}
