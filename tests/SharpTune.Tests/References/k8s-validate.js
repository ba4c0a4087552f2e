// Validates a batch/v1 Job (the JSON file in argv[2]) with the npm package kubernetes-models, whose validators are
// generated from Kubernetes' own OpenAPI schema: an independent check of `sweep --executor k8s`, beside our own
// minimal schema. Prints "valid" or "invalid: …" (exit 1).
const fs = require('fs');
const { Job } = require('kubernetes-models/batch/v1/Job');
const job = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
try { new Job(job).validate(); console.log('valid'); }
catch (e) { console.log('invalid: ' + String(e.message).replace(/\s+/g, ' ')); process.exit(1); }
