package state

import (
	"encoding/json"

	"github.com/parleyhq/parley"
	"github.com/parleyhq/parley/record"
)

// A Cosignature is an actor's cosignature of the checkpoint at a size.
type Cosignature struct {
	Size    int64  `json:"size"`
	Witness string `json:"witness"` // the name in the cosignature line
	Key     string `json:"key"`     // the actor's key
	Note    string `json:"note"`    // the checkpoint with the cosignature
	Index   int64  `json:"index"`
}

func init() {
	on(parley.KindCosign, (*Talks).cosign)
	on(parley.KindForkEvidence, (*Talks).forkEvidence)
}

func (t *Talks) cosign(c act, p *parley.Cosign) (func(), error) {
	if p.Size < 1 || p.Size > t.Size {
		return nil, parley.Errorf(parley.EINVALID, "payload field \"size\": the log has checkpoints of sizes 1 to %d", t.Size)
	}
	if len(p.Note) > 16<<10 {
		return nil, parley.Errorf(parley.ETOOLARGE, "payload field \"note\": a checkpoint note is at most 16 KiB")
	}
	a := t.Roster.Signer(c.e)
	name := record.WitnessName(a.label(), c.e.ActorKey())
	if _, err := record.VerifyCosignature([]byte(p.Note), name, c.e.ActorKey()); err != nil {
		return nil, parley.Errorf(parley.EINVALID, "payload field \"note\": %v; cosign as %q with the signer's key", err, name)
	}
	cp, err := record.ParseCheckpointText([]byte(p.Note))
	if err != nil || cp.Size != p.Size {
		return nil, parley.Errorf(parley.EINVALID, "payload field \"note\": not a checkpoint of size %d", p.Size)
	}
	for _, x := range t.Cosigned {
		if x.Size == p.Size && x.Key == c.by {
			return nil, parley.Errorf(parley.ECONFLICT, "%s already cosigned the checkpoint of size %d", a.Name, p.Size)
		}
	}
	return func() {
		t.Cosigned = append(t.Cosigned, &Cosignature{Size: p.Size, Witness: name, Key: c.by, Note: p.Note, Index: c.index})
	}, nil
}

func (t *Talks) forkEvidence(c act, p *parley.ForkEvidence) (func(), error) {
	var fe record.ForkEvidence
	if err := json.Unmarshal(p.Evidence, &fe); err != nil {
		return nil, parley.Errorf(parley.EINVALID, "payload field \"evidence\": %v", err)
	}
	return func() { t.Forks = append(t.Forks, c.index) }, nil
}
