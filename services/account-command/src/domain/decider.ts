// What the command handler needs of an aggregate: a pure decider. decide(command, state) gives
// the new events or a refusal; evolve(state, event) applies one stored event; the snapshot
// functions turn a state into the JSON kept with the stream head and back. No I/O, no clock, no
// randomness: ids, versions and times are given by the caller when it stores the events.

/** What decide answers: new events (not yet stored), or why the command is refused. */
export type DecisionOf<NewEvent, Refusal> = { ok: true; events: NewEvent[] } | { ok: false; error: Refusal };

export interface Decider<Command, NewEvent, Event, State extends { version: number }, Snapshot, Refusal> {
  initialState: State;
  decide(command: Command, state: State): DecisionOf<NewEvent, Refusal>;
  evolve(state: State, event: Event): State;
  toSnapshot(state: State): Snapshot | null;
  /** The state a head's snapshot stands for; no snapshot (a new stream): the initial state. */
  fromSnapshot(snapshot: Snapshot | null | undefined): State;
}

/** The default of an exhaustive switch: a new case the switch forgot fails to compile here. */
export function assertNever(value: never, what: string): never {
  throw new Error(`unexpected ${what}: ${JSON.stringify(value)}`);
}
