// Checks an Adaptive Card (JSON on standard input) with Microsoft's own Adaptive Cards
// library (npm `adaptivecards`), against the schema version the card names: unknown
// elements, properties newer than that version and missing required properties are
// reported, one a line, and the exit code is 1.
const AC = require("adaptivecards/dist/adaptivecards.js");
const input = require("fs").readFileSync(0, "utf8");
const json = JSON.parse(input);
const version = AC.Version.parse(json.version, new AC.SerializationContext());
if (!version || !version.isValid) {
  console.log(`the card names no valid version: ${json.version}`);
  process.exit(1);
}
const context = new AC.SerializationContext(version);
const card = new AC.AdaptiveCard();
card.parse(json, context);
const problems = [];
for (let i = 0; i < context.eventCount; i++) {
  problems.push(context.getEventAt(i).message);
}
const validation = card.validateProperties();
for (let i = 0; i < validation.validationEvents.length; i++) {
  problems.push(validation.validationEvents[i].message);
}
for (const problem of problems) {
  console.log(problem);
}
process.exit(problems.length === 0 ? 0 : 1);
