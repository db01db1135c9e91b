#!/usr/bin/env node
// A stand-in for the old orchestrate-import.js: the same positional parameters, a few seconds
// of progress, and an exit status that tells the truth.
const [sistema, usuario, practitionerId, medproPractId, patientId] = process.argv.slice(2);
if (!sistema || !usuario || !practitionerId || !medproPractId) {
  console.error('usage: orchestrate-import.js <sistema> <usuario> <practitioner-id> <medpro-pract-id> [patient-id]');
  process.exit(2);
}
console.log(`argv ${JSON.stringify(process.argv.slice(2))}`);
console.log(`importing from ${sistema} as ${usuario}: practitioner ${practitionerId} -> medpro ${medproPractId}` +
  (patientId ? `, only patient ${patientId}` : ', all patients'));
console.log(`working directory ${process.cwd()}, node ${process.version}`);
const steps = ['patients', 'appointments', 'prescriptions', 'documents', 'billing'];
let i = 0;
const timer = setInterval(() => {
  const step = steps[i];
  console.log(`::progress ${i + 1}/${steps.length}`);
  console.log(`[${i + 1}/${steps.length}] migrated ${step}: ${(i + 1) * 37} records`);
  if (i === 2) console.error(`warning: 1 ${step} record skipped (missing dosage)`);
  i += 1;
  if (i === steps.length) {
    clearInterval(timer);
    console.log('import finished');
  }
}, 800);
