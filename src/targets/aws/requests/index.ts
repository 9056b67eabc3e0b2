/** The AWS target's pure builders: data in, AWS request bodies out. No SDK calls, env, clock or fs. */
export * from './names.js';
export * from './encoder-settings.js';
export * from './channel.js';
export * from './input.js';
export * from './iam.js';
export * from './s3.js';
export * from './mediastore.js';
export * from './cloudfront.js';
export * from './dashboard.js';
export * from './scheduler.js';
export * from './pricing.js';
export * from './errors.js';
