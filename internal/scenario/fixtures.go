package scenario

// DefaultPrefix is the path prefix templates see as .Prefix unless --set
// Prefix says otherwise: the gateway's /tracking/v1, as the checklist calls
// the endpoint.
const DefaultPrefix = "/tracking/v1"
