// Runs the update set's script include (BatonHandoffs) under Node with stand-ins for the Glide APIs it uses,
// and prints the REST calls it makes: [{method, variables, query, headers, body}]. RESTMessageV2.execute()
// answers from spec.answers in order; past them the run stops (the caller replays the last call on Baton and
// runs again with its answer), so the script meets Baton's real answers without Node making HTTP calls.
'use strict';
const fs = require('fs');
const vm = require('vm');

const [scriptPath, specJson] = process.argv.slice(2);
const spec = JSON.parse(specJson);
const calls = [];
const STOP = {};

function RESTMessageV2(name, method) {
    if (name !== 'Baton') throw new Error('unexpected REST message ' + name);
    const call = {method, variables: {}, query: {}, headers: {}, body: null};
    this.setStringParameterNoEscape = (key, value) => { call.variables[key] = String(value); };
    this.setQueryParameter = (key, value) => { call.query[key] = String(value); };
    this.setRequestHeader = (key, value) => { call.headers[key] = String(value); };
    this.setRequestBody = (body) => { call.body = body; };
    this.setHttpTimeout = () => {};
    this.execute = () => {
        calls.push(call);
        const answer = spec.answers[calls.length - 1];
        if (answer === undefined) throw STOP;
        return {getStatusCode: () => answer.status, getBody: () => answer.body};
    };
}

const user = {
    getName: () => spec.user,
    getPreference: (name) => (spec.preferences || {})[name] || null,
    isMemberOf: (groupId) => spec.groups.includes(groupId),
};
function GlideRecord(table) {
    let found = null;
    this.get = (field, value) => {
        if (table !== 'sys_user_group' || field !== 'name') throw new Error('unexpected lookup ' + table);
        found = value;
        return true;
    };
    this.getUniqueValue = () => found;  // groups stand for their own sys_id here
}
const sandbox = {
    JSON, String, encodeURIComponent,
    Class: {create: () => function () {}},
    Object: {extendsObject: (base, members) => Object.assign(Object.create(base), members)},
    AbstractAjaxProcessor: {getParameter(name) { return spec.parameters[name] === undefined ? null : spec.parameters[name]; }},
    gs: {getUser: () => user},
    GlideRecord,
    sn_ws: {RESTMessageV2},
};
vm.runInNewContext(fs.readFileSync(scriptPath, 'utf8') + '\nthis.BatonHandoffs = BatonHandoffs;', sandbox,
                   {filename: scriptPath});
const handoffs = Object.create(sandbox.BatonHandoffs.prototype);
let result = null;
try {
    result = handoffs[spec.call].apply(handoffs, spec.args || []);
} catch (error) {
    if (error !== STOP) throw error;
}
process.stdout.write(JSON.stringify({calls, result, done: result !== null}));
