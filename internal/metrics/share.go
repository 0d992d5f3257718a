package metrics

// ShareOf is the share (0..1) of requests answered with status code; 0
// when nothing was sent. 1 - ShareOf(expected status) is a scenario's
// error share: transport errors and unexpected statuses together.
func (s Summary) ShareOf(code int) float64 {
	if s.Requests == 0 || code < 0 || code > 0xffff {
		return 0
	}
	return float64(s.Codes[uint16(code)]) / float64(s.Requests)
}
