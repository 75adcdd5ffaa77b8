/*
 * Baton: tell Baton when a ticket changes hands (a ServiceNow business rule).
 *
 * Create it under System Definition > Business Rules > New, with:
 *   Name:      Baton holder change
 *   Table:     the table Baton watches (options.table; incident by default)
 *   Advanced:  true
 *   When:      after            Insert: true   Update: true   Order: 1000
 *   Condition: current.operation() == 'insert' || current.assignment_group.changes() || current.assigned_to.changes()
 *   Script:    this file
 * and with the outbound REST message of outbound-rest-message.yaml (name "Baton", method "post_holder_change").
 *
 * The secret is the value of the environment variable that Baton's `webhook_secret_env` names. Keep it in the
 * system property `baton.webhook.secret` (type string, Read roles: admin, Write roles: admin).
 *
 * Each delivery is signed: X-Baton-Signature = base64(HMAC-SHA256(secret, TIMESTAMP + "." + BODY)), with
 * TIMESTAMP the Unix seconds sent as X-Baton-Timestamp. Baton refuses a delivery whose signature is wrong or
 * missing, or that was signed more than options.webhook_tolerance_seconds ago (300 s by default), and keeps a
 * delivery id (X-Baton-Delivery) once, so a repeated delivery is not taken twice.
 *
 * The rule runs "after" (it can see `previous`) and sends with executeAsync(), so the agent's save does not
 * wait for Baton. Values are sent as the Table API's raw values: strings, "" when empty, UTC date-times.
 */
(function executeRule(current, previous /* null on insert */) {
    var REQUESTER_FIELD = 'caller_id'; // the requester's reference field: sc_req_item uses 'requested_for'
    var insert = String(current.operation()) == 'insert';

    function value(record, field) {
        return record && record.isValidField(field) ? String(record.getValue(field) || '') : '';
    }

    // One side of a holder part: the reference's sys_id and the name Baton uses (group name, user_name).
    function side(record, field, nameField) {
        var id = value(record, field);
        return {value: id, name: id ? String(record[field][nameField] || '') : ''};
    }

    function part(field, nameField) {
        var before = side(insert ? null : previous, field, nameField);
        var after = side(current, field, nameField);
        var result = {old: {value: before.value}, 'new': {value: after.value}};
        result.old[nameField] = before.name;
        result['new'][nameField] = after.name;
        return result;
    }

    var requester = current.isValidField(REQUESTER_FIELD) && !current[REQUESTER_FIELD].nil()
        ? current[REQUESTER_FIELD] : null;
    var payload = {
        delivery_id: String(gs.generateGUID()),
        operation: insert ? 'insert' : 'update',
        table: String(current.getTableName()),
        sys_id: String(current.getUniqueValue()),
        number: value(current, 'number'),
        sys_updated_on: value(current, 'sys_updated_on'),
        sys_updated_by: value(current, 'sys_updated_by'),
        sys_mod_count: value(current, 'sys_mod_count'),
        reassignment_count: value(current, 'reassignment_count'),
        state: value(current, 'state'),
        priority: value(current, 'priority'),
        category: value(current, 'category'),
        short_description: value(current, 'short_description'),
        actor: String(gs.getUserName()),
        caller: {
            user_name: requester ? String(requester.user_name || '') : '',
            email: requester ? String(requester.email || '') : '',
            name: requester ? String(requester.name || '') : ''  // the full name: "Hello Jo Bloggs,"
        },
        assignment_group: part('assignment_group', 'name'),
        assigned_to: part('assigned_to', 'user_name')
    };

    var body = JSON.stringify(payload);
    var timestamp = String(Math.floor(new GlideDateTime().getNumericValue() / 1000));
    var key = GlideStringUtil.base64Encode(gs.getProperty('baton.webhook.secret', ''));
    var signature = new GlideCertificateEncryption().generateMac(key, 'HmacSHA256', timestamp + '.' + body);

    var message = new sn_ws.RESTMessageV2('Baton', 'post_holder_change');
    message.setRequestHeader('Content-Type', 'application/json');
    message.setRequestHeader('X-Baton-Delivery', payload.delivery_id);
    message.setRequestHeader('X-Baton-Timestamp', timestamp);
    message.setRequestHeader('X-Baton-Signature', String(signature));
    message.setRequestBody(body);
    message.executeAsync();
})(current, previous);
