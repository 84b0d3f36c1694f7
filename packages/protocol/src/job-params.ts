// Generation parameters a client may set on a job; the coordinator stores them and the miner
// passes them to its model server unchanged.
export interface JobParams {
  max_tokens?: number;
  temperature?: number;
  top_p?: number;
  seed?: number;
  stop?: string[];
}
