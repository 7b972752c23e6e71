package transport

import (
	"context"
	"math"

	"github.com/conserje/conserje/sdk/calendar"
	"github.com/conserje/conserje/sdk/internal/pb"
)

type calendarServer struct {
	pb.UnimplementedCalendarServiceServer
	impl calendar.Source
}

func (s *calendarServer) Fetch(ctx context.Context, req *pb.CalendarFetchRequest) (*pb.CalendarFetchResponse, error) {
	r, err := s.impl.Fetch(ctx, calendar.FetchRequest{
		Options:      calendarOptionsFromPB(req.GetOptions()),
		URL:          req.GetUrl(),
		ETag:         req.GetEtag(),
		LastModified: req.GetLastModified(),
		MaxBytes:     req.GetMaxBytes(),
		Timeout:      durationFromPB(req.GetTimeout()),
	})
	if err != nil {
		return nil, err
	}
	return &pb.CalendarFetchResponse{
		NotModified:  r.NotModified,
		Blocks:       blocksToPB(r.Blocks),
		Warnings:     warningsToPB(r.Warnings),
		Etag:         r.ETag,
		LastModified: r.LastModified,
		Bytes:        r.Bytes,
		Partial:      r.Partial,
	}, nil
}

func (s *calendarServer) Parse(ctx context.Context, req *pb.CalendarParseRequest) (*pb.CalendarParseResponse, error) {
	r, err := s.impl.Parse(ctx, calendar.ParseRequest{
		Options: calendarOptionsFromPB(req.GetOptions()),
		Body:    req.GetBody(),
	})
	if err != nil {
		return nil, err
	}
	return &pb.CalendarParseResponse{Blocks: blocksToPB(r.Blocks), Warnings: warningsToPB(r.Warnings), Partial: r.Partial}, nil
}

// CalendarClient is the host side of a calendar plugin.
type CalendarClient struct {
	LifecycleClient
	c pb.CalendarServiceClient
}

var _ calendar.Plugin = (*CalendarClient)(nil)

// Fetch calls the plugin's Fetch.
func (c *CalendarClient) Fetch(ctx context.Context, req calendar.FetchRequest) (calendar.FetchResponse, error) {
	r, err := c.c.Fetch(ctx, &pb.CalendarFetchRequest{
		Options:      calendarOptionsToPB(req.Options),
		Url:          req.URL,
		Etag:         req.ETag,
		LastModified: req.LastModified,
		MaxBytes:     req.MaxBytes,
		Timeout:      durationToPB(req.Timeout),
	})
	if err != nil {
		return calendar.FetchResponse{}, err
	}
	return calendar.FetchResponse{
		NotModified:  r.GetNotModified(),
		Blocks:       blocksFromPB(r.GetBlocks()),
		Warnings:     warningsFromPB(r.GetWarnings()),
		ETag:         r.GetEtag(),
		LastModified: r.GetLastModified(),
		Bytes:        r.GetBytes(),
		Partial:      r.GetPartial(),
	}, nil
}

// Parse calls the plugin's Parse.
func (c *CalendarClient) Parse(ctx context.Context, req calendar.ParseRequest) (calendar.ParseResponse, error) {
	r, err := c.c.Parse(ctx, &pb.CalendarParseRequest{Options: calendarOptionsToPB(req.Options), Body: req.Body})
	if err != nil {
		return calendar.ParseResponse{}, err
	}
	return calendar.ParseResponse{Blocks: blocksFromPB(r.GetBlocks()), Warnings: warningsFromPB(r.GetWarnings()), Partial: r.GetPartial()}, nil
}

func calendarOptionsToPB(o calendar.Options) *pb.CalendarOptions {
	return &pb.CalendarOptions{
		FeedId:       o.FeedID,
		Platform:     string(o.Platform),
		EndInclusive: o.EndInclusive,
		Timezone:     o.Timezone,
		Now:          timeToPB(o.Now),
	}
}

func calendarOptionsFromPB(o *pb.CalendarOptions) calendar.Options {
	return calendar.Options{
		FeedID:       o.GetFeedId(),
		Platform:     calendar.Platform(o.GetPlatform()),
		EndInclusive: o.GetEndInclusive(),
		Timezone:     o.GetTimezone(),
		Now:          timeFromPB(o.GetNow()),
	}
}

func blocksToPB(bs []calendar.Block) []*pb.CalendarBlock {
	out := make([]*pb.CalendarBlock, len(bs))
	for i, b := range bs {
		out[i] = &pb.CalendarBlock{
			Uid:             b.UID,
			Start:           b.Start,
			End:             b.End,
			Kind:            string(b.Kind),
			Tentative:       b.Tentative,
			Summary:         b.Summary,
			ReservationCode: b.ReservationCode,
			PhoneLast4:      b.PhoneLast4,
		}
	}
	return out
}

func blocksFromPB(bs []*pb.CalendarBlock) []calendar.Block {
	if len(bs) == 0 {
		return nil
	}
	out := make([]calendar.Block, len(bs))
	for i, b := range bs {
		out[i] = calendar.Block{
			UID:             b.GetUid(),
			Start:           b.GetStart(),
			End:             b.GetEnd(),
			Kind:            calendar.BlockKind(b.GetKind()),
			Tentative:       b.GetTentative(),
			Summary:         b.GetSummary(),
			ReservationCode: b.GetReservationCode(),
			PhoneLast4:      b.GetPhoneLast4(),
		}
	}
	return out
}

func warningsToPB(ws []calendar.Warning) []*pb.CalendarWarning {
	out := make([]*pb.CalendarWarning, len(ws))
	for i, w := range ws {
		out[i] = &pb.CalendarWarning{Code: w.Code, Uid: w.UID, Line: lineToPB(w.Line), Message: w.Message}
	}
	return out
}

// lineToPB sends a line number the wire's int32 cannot hold as 0, which means unknown.
func lineToPB(line int) int32 {
	if line < 0 || line > math.MaxInt32 {
		return 0
	}
	return int32(line)
}

func warningsFromPB(ws []*pb.CalendarWarning) []calendar.Warning {
	if len(ws) == 0 {
		return nil
	}
	out := make([]calendar.Warning, len(ws))
	for i, w := range ws {
		out[i] = calendar.Warning{Code: w.GetCode(), UID: w.GetUid(), Line: int(w.GetLine()), Message: w.GetMessage()}
	}
	return out
}
