// Gossipsub peer scoring for the organisation's topics. Without topic score params gossipsub
// counts no invalid message at all (a topic validator's Reject only drops the message), so a
// member spamming forged records kept its score. Only that penalty is scored: our meshes are
// small or empty by design (gossip-mesh.ts), so the mesh delivery terms would punish honest peers.
import { TOPIC_NODES, TOPIC_TASKS } from '../../shared/index.js'

/** Invalid records a peer may send before its penalty (count², decaying) passes gossipsub's gossip threshold (-10): 4. */
const INVALID_WEIGHT = -1
/** Per decay interval (1 s): a burst of invalid records is forgotten in about a minute. */
const INVALID_DECAY = 0.9

// Every term but the invalid-record one has weight 0 (the others keep gossipsub's defaults, unused).
const scoredTopic = {
  topicWeight: 1,
  timeInMeshWeight: 0,
  timeInMeshQuantum: 1,
  timeInMeshCap: 3600,
  firstMessageDeliveriesWeight: 0,
  firstMessageDeliveriesDecay: 0.5,
  firstMessageDeliveriesCap: 2000,
  meshMessageDeliveriesWeight: 0,
  meshMessageDeliveriesDecay: 0.5,
  meshMessageDeliveriesCap: 100,
  meshMessageDeliveriesThreshold: 20,
  meshMessageDeliveriesWindow: 10,
  meshMessageDeliveriesActivation: 5000,
  meshFailurePenaltyWeight: 0,
  meshFailurePenaltyDecay: 0.5,
  invalidMessageDeliveriesWeight: INVALID_WEIGHT,
  invalidMessageDeliveriesDecay: INVALID_DECAY
}

export const gossipScoreParams = {
  // everyone shares 127.0.0.1 in tests and one NAT address in an office
  IPColocationFactorWeight: 0,
  topics: { [TOPIC_TASKS]: scoredTopic, [TOPIC_NODES]: scoredTopic }
}
