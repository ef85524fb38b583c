package dispatch

import (
	"context"

	"tsunagu"
)

// checkAchievements fires an achievement for every daily target the agent
// has reached (praise:achieved, "佐藤さん、本日10件成約!").
//
// It runs right after the wrap-up is committed rather than inside the
// wrap-up's transaction: the wrap-up is the desk's store write, and the
// check reads targets, dispositions and the whole day's contacts. It stays
// exact without that transaction because the store fires an achievement at
// most once per agent, metric and day (a unique key), and because the check
// asks "count ≥ target", not "count = target": if the process stops between
// the two writes, the agent's next wrap-up fires what was missed, and a
// retried wrap-up never praises twice. Following the event log instead
// would add a follower with its own position for a check that has exactly
// one trigger, here.
func (d *Dispatcher) checkAchievements(ctx context.Context, tid tsunagu.TenantID, agent tsunagu.AgentID) {
	if err := d.achievements(ctx, tid, agent); err != nil && ctx.Err() == nil {
		d.log().Warn("dispatch: check achievements", "agent_id", agent, "err", err)
	}
}

func (d *Dispatcher) achievements(ctx context.Context, tid tsunagu.TenantID, agent tsunagu.AgentID) error {
	targets, err := d.Store.ListTargets(ctx, tid)
	if err != nil {
		return err
	}
	goals := tsunagu.EffectiveTargets(targets, agent)
	if len(goals) == 0 {
		return nil
	}
	t, err := d.Store.FindTenant(ctx, tid)
	if err != nil {
		return err
	}
	since := tsunagu.DayStart(d.now(), t.Location())
	cs, err := d.Store.CountsSince(ctx, tid, since, agent)
	if err != nil || len(cs) == 0 {
		return err
	}
	a, err := d.Store.FindAgent(ctx, tid, agent)
	if err != nil {
		return err
	}
	for _, m := range tsunagu.Metrics {
		goal, ok := goals[m]
		n := cs[0].Get(m)
		if !ok || n < goal {
			continue
		}
		ja, en := tsunagu.AchievementMessage(a.Name, m, goal)
		p := &tsunagu.Praise{TenantID: tid, AgentID: agent, AgentName: a.Name, Message: ja, MessageEn: en,
			Metric: m, Target: goal, Count: n, Day: since.Format("2006-01-02")}
		fired, err := d.Store.RecordAchievement(ctx, p)
		if err != nil {
			return err
		}
		if fired {
			d.log().Info("dispatch: achievement", "agent_id", agent, "metric", string(m), "target", goal)
		}
	}
	return nil
}
