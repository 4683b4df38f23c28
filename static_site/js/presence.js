// Presence of the team (docs/assignment.md): who is online, away or offline, and this operator's
// own status. The store keeps `state.team` (username -> member) and `state.presence` (you);
// `operator.presence` frames update the team through the live-event reducer.

// The team map with one member replaced (pure: the reducer's helper).
export function withMember(team, member) {
  if (!member || !member.username) return team;
  return { ...team, [member.username]: member };
}

export class TeamPresence {
  constructor(store) {
    this.store = store;
  }

  async load() {
    try {
      const [body, own] = await Promise.all([this.store.api.get('/api/operators'), this.store.api.get('/api/presence')]);
      const team = {};
      for (const member of body.items || []) team[member.username] = member;
      this.store.set({ team: withMember(team, own), presence: own });
    } catch (_) {
      // Presence is a nicety: without it the participants show without a dot.
    }
  }

  // After the socket (re)opens: an available operator says "I am here" (fair assignment then
  // offers them the oldest waiting dialogs if they have room), and the team is read again (a
  // frame may have been missed while the socket was down).
  async opened() {
    await this.load();
    const own = this.store.state.presence;
    // An operator who set away (in this page or an earlier one) stays away.
    if (own && own.status === 'available') await this.setStatus('available', { quiet: true });
  }

  async setStatus(status, { quiet = false } = {}) {
    try {
      const own = await this.store.api.request('PUT', '/api/presence', { status });
      this.store.set({ presence: own, team: withMember(this.store.state.team, own) });
    } catch (error) {
      // After a reconnect the next open tries again; a click says what went wrong.
      if (!quiet) this.store.fail(error);
    }
  }
}
