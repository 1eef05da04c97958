package graphfake

import (
	"cmp"
	"slices"
	"strings"
	"time"
)

// RecordJobs makes the server remember, per mailbox, when the requests of each job attempt crmsync
// names in its telemetry.JobHeader began and ended, for JobSpans and OverlappingJobs: a test can then
// check that no two synchronization passes of one mailbox ever ran at once, whichever replica ran them.
// Off by default, as a long-running demo would keep every span.
func RecordJobs() Option {
	return func(s *Server) { s.jobs = map[jobKey]*JobSpan{} }
}

type jobKey struct{ mailbox, job string }

// JobSpan is the requests one job attempt sent for one mailbox: from the arrival of the first to the end
// of the last.
type JobSpan struct {
	Mailbox     string // the mailbox's object id, lower-cased
	Job         string // as telemetry.JobHeader carries it: kind/id/attempt
	First, Last time.Time
	Requests    int
}

// overlaps reports whether two spans of one mailbox share a moment.
func (a JobSpan) overlaps(b JobSpan) bool {
	return a.Mailbox == b.Mailbox && a.First.Before(b.Last) && b.First.Before(a.Last)
}

// JobSpans returns the recorded spans of the jobs whose header starts with prefix (such as
// "sync_mailbox/"), by mailbox and then by first request. See RecordJobs.
func (s *Server) JobSpans(prefix string) []JobSpan {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []JobSpan
	for k, span := range s.jobs {
		if strings.HasPrefix(k.job, prefix) {
			out = append(out, *span)
		}
	}
	slices.SortFunc(out, func(a, b JobSpan) int {
		return cmp.Or(strings.Compare(a.Mailbox, b.Mailbox), a.First.Compare(b.First), strings.Compare(a.Job, b.Job))
	})
	return out
}

// OverlappingJobs returns every pair of job attempts whose header starts with prefix that worked on the
// same mailbox at the same time: for synchronization passes, a mailbox synchronized twice at once.
func (s *Server) OverlappingJobs(prefix string) [][2]JobSpan {
	spans := s.JobSpans(prefix)
	var out [][2]JobSpan
	for i := range spans {
		for j := i + 1; j < len(spans) && spans[j].Mailbox == spans[i].Mailbox; j++ {
			if spans[i].overlaps(spans[j]) {
				out = append(out, [2]JobSpan{spans[i], spans[j]})
			}
		}
	}
	return out
}

// beginJob counts a request of job (its telemetry.JobHeader) for the mailbox key when jobs are recorded.
// Callers hold s.mu.
func (s *Server) beginJob(key, job string) {
	if s.jobs == nil || job == "" {
		return
	}
	k := jobKey{key, job}
	span := s.jobs[k]
	if span == nil {
		now := time.Now() // real time, whatever clock dates the items: spans measure concurrency
		span = &JobSpan{Mailbox: key, Job: job, First: now, Last: now}
		s.jobs[k] = span
	}
	span.Requests++
}

// endJob marks the end of a request of job. Callers hold s.mu.
func (s *Server) endJob(key, job string) {
	if span := s.jobs[jobKey{key, job}]; span != nil {
		span.Last = time.Now()
	}
}
