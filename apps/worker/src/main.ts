// The worker role alone: projections and reactors, plus health endpoints on PORT.
process.env.GENAUG_ROLES = process.env.GENAUG_ROLES ?? 'worker';
require('../../api/src/main');
