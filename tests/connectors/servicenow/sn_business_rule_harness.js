// Runs config/servicenow/baton-holder-change.business-rule.js under Node with stand-ins for the Glide APIs
// it uses, and prints what RESTMessageV2.executeAsync() would send: {"headers": {...}, "body": "..."}.
// The stand-ins follow the documented behaviour: getValue() is null for an empty field, generateMac()
// takes a base64 key and answers base64, base64Encode() encodes UTF-8.
'use strict';
const crypto = require('crypto');
const fs = require('fs');
const vm = require('vm');

const [scriptPath, specJson] = process.argv.slice(2);
const spec = JSON.parse(specJson);

function element(field, id) {
    const referenced = (spec.refs[field] || {})[id] || {};
    return Object.assign({nil: () => !id}, referenced);
}

function record(values) {
    if (values === null) return null;
    const r = {
        getValue: (field) => (values[field] === undefined || values[field] === '' ? null : values[field]),
        isValidField: (field) => field in values,
        getTableName: () => spec.table,
        getUniqueValue: () => values.sys_id,
        operation: () => spec.operation,
    };
    for (const field of Object.keys(spec.refs)) r[field] = element(field, values[field]);
    return r;
}

const sent = {headers: {}, body: null, message: null};
const sandbox = {
    current: record(spec.current),
    previous: record(spec.previous),
    JSON,
    Math,
    String,
    gs: {
        generateGUID: () => spec.guid,
        getUserName: () => spec.user,
        getProperty: (name, fallback) => (name === 'baton.webhook.secret' ? spec.secret : fallback),
    },
    GlideDateTime: function () { this.getNumericValue = () => spec.now_ms; },
    GlideStringUtil: {base64Encode: (text) => Buffer.from(String(text), 'utf8').toString('base64')},
    GlideCertificateEncryption: function () {
        this.generateMac = (key, algorithm, data) => {
            if (algorithm !== 'HmacSHA256') throw new Error('unexpected algorithm ' + algorithm);
            return crypto.createHmac('sha256', Buffer.from(key, 'base64')).update(data, 'utf8').digest('base64');
        };
    },
    sn_ws: {
        RESTMessageV2: function (name, method) {
            sent.message = [name, method];
            this.setRequestHeader = (key, value) => { sent.headers[key] = value; };
            this.setRequestBody = (body) => { sent.body = body; };
            this.executeAsync = () => { sent.executed = true; };
        },
    },
};
vm.runInNewContext(fs.readFileSync(scriptPath, 'utf8'), sandbox, {filename: scriptPath});
process.stdout.write(JSON.stringify(sent));
