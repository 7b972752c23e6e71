package transport

import (
	"context"

	"github.com/conserje/conserje/sdk/internal/pb"
	"github.com/conserje/conserje/sdk/speech"
)

type sttServer struct {
	pb.UnimplementedSTTServiceServer
	impl speech.Transcriber
}

func (s *sttServer) Transcribe(ctx context.Context, req *pb.TranscribeRequest) (*pb.TranscribeResponse, error) {
	r, err := s.impl.Transcribe(ctx, speech.TranscribeRequest{
		Audio:    req.GetAudio(),
		MIME:     req.GetMime(),
		Language: req.GetLanguage(),
	})
	if err != nil {
		return nil, err
	}
	return &pb.TranscribeResponse{
		Text:       r.Text,
		Confidence: r.Confidence,
		Duration:   durationToPB(r.Duration),
		Language:   r.Language,
	}, nil
}

// STTClient is the host side of a speech-to-text plugin.
type STTClient struct {
	LifecycleClient
	c pb.STTServiceClient
}

var _ speech.STTPlugin = (*STTClient)(nil)

// Transcribe calls the plugin's Transcribe.
func (c *STTClient) Transcribe(ctx context.Context, req speech.TranscribeRequest) (speech.TranscribeResponse, error) {
	r, err := c.c.Transcribe(ctx, &pb.TranscribeRequest{Audio: req.Audio, Mime: req.MIME, Language: req.Language})
	if err != nil {
		return speech.TranscribeResponse{}, err
	}
	return speech.TranscribeResponse{
		Text:       r.GetText(),
		Confidence: r.GetConfidence(),
		Duration:   durationFromPB(r.GetDuration()),
		Language:   r.GetLanguage(),
	}, nil
}

type ttsServer struct {
	pb.UnimplementedTTSServiceServer
	impl speech.Synthesizer
}

func (s *ttsServer) Synthesize(ctx context.Context, req *pb.SynthesizeRequest) (*pb.SynthesizeResponse, error) {
	r, err := s.impl.Synthesize(ctx, speech.SynthesizeRequest{
		Text:     req.GetText(),
		Voice:    req.GetVoice(),
		Language: req.GetLanguage(),
		MIME:     req.GetMime(),
	})
	if err != nil {
		return nil, err
	}
	return &pb.SynthesizeResponse{Audio: r.Audio, Mime: r.MIME, Duration: durationToPB(r.Duration)}, nil
}

// TTSClient is the host side of a text-to-speech plugin.
type TTSClient struct {
	LifecycleClient
	c pb.TTSServiceClient
}

var _ speech.TTSPlugin = (*TTSClient)(nil)

// Synthesize calls the plugin's Synthesize.
func (c *TTSClient) Synthesize(ctx context.Context, req speech.SynthesizeRequest) (speech.SynthesizeResponse, error) {
	r, err := c.c.Synthesize(ctx, &pb.SynthesizeRequest{Text: req.Text, Voice: req.Voice, Language: req.Language, Mime: req.MIME})
	if err != nil {
		return speech.SynthesizeResponse{}, err
	}
	return speech.SynthesizeResponse{Audio: r.GetAudio(), MIME: r.GetMime(), Duration: durationFromPB(r.GetDuration())}, nil
}
