/*
 * Baton: the server side of the handoff buttons (a client-callable script include, BatonHandoffs).
 *
 * Each call acts as the agent who clicked, with that agent's own Baton API token: a Baton admin makes it with
 * `baton token create --for USER_NAME` and the agent keeps it in their user preference baton.api_token. Baton
 * believes the token, not ServiceNow's word: an agent without a token sees no button, and a token acts only as
 * its own person (Baton refuses a call for anyone else). Calls go through the outbound REST message "Baton".
 *
 * @INSTANCE@ is the connector instance's name in Baton's deployment file (tickets are INSTANCE:NUMBER there).
 */
var BatonHandoffs = Class.create();
BatonHandoffs.prototype = Object.extendsObject(AbstractAjaxProcessor, {
    INSTANCE: '@INSTANCE@',
    TOKEN_PREFERENCE: 'baton.api_token',

    // --- called by the UI actions' client scripts (GlideAjax) ---------------------------------
    requestHandoff: function () {
        return this._say(this._call('request_handoff', null, {
            ticket: this._key(this.getParameter('sysparm_number')),
            to: String(this.getParameter('sysparm_to') || ''),
            reason: String(this.getParameter('sysparm_reason') || ''),
            summary: String(this.getParameter('sysparm_summary') || '')
        }), 'Baton asked them to take it; it moves when they accept.');
    },

    acceptHandoff: function () {
        return this._answerWaiting('accept_handoff', '', 'Accepted: the ticket is yours.');
    },

    declineHandoff: function () {
        return this._answerWaiting('decline_handoff', String(this.getParameter('sysparm_reason') || ''),
            'Declined: the requester is told why.');
    },

    // --- used by the UI actions' conditions (server side, when the form loads) -------------------
    hasToken: function () {
        return this._token() !== '';
    },

    // The id of the request on this ticket that waits for the agent (their group's queue or them), or ''.
    waitingFor: function (number) {
        if (!this.hasToken())
            return '';
        var answer = this._call('pending_handoffs', null, null, {ticket: this._key(number)});
        if (answer.status != 200)
            return '';
        var pending = JSON.parse(answer.body);
        var user = gs.getUser();
        for (var i = 0; i < pending.length; i++) {
            var to = String(pending[i].to_holder).split('/');
            var group = new GlideRecord('sys_user_group');
            var member = group.get('name', to[0]) && user.isMemberOf(group.getUniqueValue());
            if (to.length > 1 ? to[1] == user.getName() : member)
                return String(pending[i].handoff_id);
        }
        return '';
    },

    // --- internals ---------------------------------------------------------------------------------
    _answerWaiting: function (method, reason, done) {
        var id = this.waitingFor(this.getParameter('sysparm_number'));
        if (!id)
            return JSON.stringify({ok: false, message: 'No handoff on this ticket waits for you.'});
        return this._say(this._call(method, {handoff_id: id}, {reason: reason}), done);
    },

    _key: function (number) {
        return this.INSTANCE + ':' + String(number || '');
    },

    _token: function () {
        return String(gs.getUser().getPreference(this.TOKEN_PREFERENCE) || '');
    },

    _call: function (method, variables, body, query) {
        var message = new sn_ws.RESTMessageV2('Baton', method);
        var name;
        for (name in (variables || {}))
            message.setStringParameterNoEscape(name, encodeURIComponent(variables[name]));
        for (name in (query || {}))
            message.setQueryParameter(name, query[name]);
        message.setRequestHeader('Authorization', 'Bearer ' + this._token());
        message.setRequestHeader('Accept', 'application/json');
        if (body !== null) {
            message.setRequestHeader('Content-Type', 'application/json');
            message.setRequestBody(JSON.stringify(body));
        }
        message.setHttpTimeout(10000);  // the agent waits for the answer: keep it short
        var response = message.execute();
        return {status: response.getStatusCode(), body: String(response.getBody() || '')};
    },

    // What the agent is shown: Baton's own words when it refuses ({"detail": "..."}).
    _say: function (answer, done) {
        if (answer.status >= 200 && answer.status < 300)
            return JSON.stringify({ok: true, message: done});
        var detail = '';
        try {
            detail = JSON.parse(answer.body).detail;
        } catch (e) {
            detail = '';
        }
        return JSON.stringify({ok: false, message: 'Baton answered ' + answer.status + ': ' +
            (typeof detail == 'string' && detail ? detail : 'see the Baton log')});
    },

    type: 'BatonHandoffs'
});
