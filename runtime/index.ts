/**
 * The runtime: what runs a checked model on TensorFlow.js. Each folder is one room with an index
 * (docs/architecture.md): `backend/` starts TensorFlow.js, `accel/` makes it faster, `model/`
 * lowers and saves models, `data/` reads data, `train/` trains, `experiments/` tunes and relates
 * tasks, `report/` writes the HTML report, `files/` writes files safely, `pytorch/` trains on PyTorch. The command line imports
 * a room's index when a command needs it, so that checking a file never loads TensorFlow.js; this
 * index is for programs that use the runtime as a library.
 */
export * as accel from './accel/index.js';
export * as backend from './backend/index.js';
export * as data from './data/index.js';
export * as experiments from './experiments/index.js';
export * as files from './files/index.js';
export * as model from './model/index.js';
export * as pytorch from './pytorch/index.js';
export * as report from './report/index.js';
export * as train from './train/index.js';
