// LWC Jest (offline): base components and wire adapters are the stubs of @salesforce/sfdx-lwc-jest.
const { jestConfig } = require('@salesforce/sfdx-lwc-jest/config');

module.exports = {
    ...jestConfig,
    testPathIgnorePatterns: ['<rootDir>/node_modules/', '<rootDir>/.sfdx/', '<rootDir>/.sf/']
};
