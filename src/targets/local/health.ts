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
}
