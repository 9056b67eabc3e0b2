/** One reading of the channel's health: emitted by the encoder every few seconds, charted by the dashboard. */
export interface ChannelHealthSample {
  /** epoch ms */
  time: number;
  state: string;
  inputConnected: boolean;
  inputFps?: number;
  /** bit/s */
  inputBitrate?: number;
  encoderSpeed?: number;
  restarts: number;
  inputLossSeconds?: number;
  /** Pictures the encoder did not get since the channel started (it was behind, or restarting): gaps, not a slip of the timeline. */
  droppedFrames?: number;
  /** The newest segment's end (program date time + duration) behind the wall clock when its playlist was published, in seconds. */
  pdtDriftSeconds?: number;
}
